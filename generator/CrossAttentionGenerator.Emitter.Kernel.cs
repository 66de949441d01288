using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>How one vector (L lanes) of a row is read and written.</summary>
        private enum ChunkKind
        {
            /// <summary>L whole columns.</summary>
            Full,

            /// <summary>The last size % L columns, read as the L columns ending the row (size ≥ L); the lanes the previous
            /// vector already covers are masked off in dot products and written first in stores, so the whole vectors
            /// written after overwrite them.</summary>
            OverlapTail,

            /// <summary>A row of fewer than L columns, assembled and written lane by lane.</summary>
            ScalarTail,
        }

        /// <summary>One vector of a head row: its column offset (plus the loop variable <c>c</c> when
        /// <paramref name="InLoop"/>) and how it is read.</summary>
        private readonly record struct Chunk(int Offset, ChunkKind Kind, bool InLoop);

        /// <summary>
        /// One tier's code: a <c>file</c>-local struct implementing <c>IGeneratedKernel</c>, in the tier's namespace under
        /// the generator's own. The code is written once for every width: the aliases <c>V</c> (the vector of floats),
        /// <c>Vec</c> (its static class) and <c>P</c> (the runtime's primitives of that width) say which. Usings and
        /// aliases sit inside the namespace and are <c>global::</c>-qualified, so no type or namespace of the user's (a
        /// <c>CrossAttention.System</c>, a global <c>Vector256</c>) can change what a simple name here means.
        /// </summary>
        private static void EmitKernelCode(IndentedWriter w, KernelPlan plan, string codeStruct, CancellationToken cancellationToken)
        {
            KernelSpec spec = plan.Spec;
            VectorTier tier = plan.Tier;
            w.Open($"namespace CrossAttention.Generated.{tier.Namespace}");
            w.Line("using global::System;");
            w.Line("using global::System.Runtime.CompilerServices;");
            w.Line("using global::System.Runtime.InteropServices;");
            w.Line("using global::System.Runtime.Intrinsics;");
            w.Line("using global::CrossAttention.Kernels;");
            w.Line($"using V = global::System.Runtime.Intrinsics.{tier.Vector}<float>;");
            w.Line($"using Vec = global::System.Runtime.Intrinsics.{tier.Vector};");
            w.Line($"using P = global::CrossAttention.Kernels.{tier.Primitives};");
            w.Line();
            foreach (string line in DescribePlan(plan))
            {
                w.Line("// " + line);
            }

            w.Line(plan.Attention is null
                ? $"/// <summary>The {tier.Vector} code behind {spec.Hierarchy.DisplayName}: {ShapeText(spec)}.</summary>"
                : $"/// <summary>The {tier.Vector} projections behind {spec.Hierarchy.DisplayName}, with the {plan.Attention.Tier.Vector} code's attention: {ShapeText(spec)}.</summary>");
            w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{ToolName}\", \"{ToolVersion}\")]");
            w.Open($"file readonly struct {codeStruct} : global::CrossAttention.Kernels.IGeneratedKernel");
            w.Line("/// <summary>The shape as the attribute gives it.</summary>");
            w.Line($"public static {Shape} Shape {{ get; }} = new({Int(spec.Lq)}, {Int(spec.Lkv)}, {Int(spec.D)}, {Int(spec.Heads)}, {Int(spec.KvDim)}, {FloatLiteral(spec.Scale)}{ShapeOptions(spec)});");
            w.Line();
            w.Line("/// <summary>The tier this code is.</summary>");
            w.Line($"public static global::CrossAttention.KernelPath Tier => global::CrossAttention.KernelPath.{tier.Path};");
            w.Line();
            w.Line($"/// <summary>True where the CPU accelerates {tier.Vector} code.</summary>");
            w.Line("public static bool IsSupported => P.IsSupported;");
            w.Line();
            if (plan.Attention is { } attention)
            {
                EmitBorrowedAttention(w, plan, TierStruct(attention, codeStruct));
                w.Close();
                w.Close();
                return;
            }

            w.Line(plan.HeadsInLanes ? "/// <summary>An item is a batch item: every head at once, heads in the vector lanes.</summary>"
                : plan.HeadPairs ? "/// <summary>An item is a batch item: every head at once, two heads to a vector.</summary>"
                : plan.KeyRows ? "/// <summary>An item is a batch item: every head at once, key rows read in order.</summary>"
                : plan.PairHeads ? $"/// <summary>An item is {(plan.PairedHeads == 2 ? "two query heads" : $"the {plan.PairedHeads} query heads")} of one batch item sharing a key/value head.</summary>"
                : "/// <summary>An item is one head of one batch item.</summary>");
            w.Line($"public static int HeadsPerItem => {Int(plan.HeadsPerItem)};");
            w.Line();
            w.Line($"/// <summary>Whole vectors of {plan.Lanes} covering the {Int(spec.Lkv)} keys.</summary>");
            w.Line($"public static int ScoreBufferLength => {Int(plan.ScoreBufferLength)};");
            w.Line();
            w.Line("/// <summary>Score-buffer rows an item uses.</summary>");
            w.Line($"public static int ScoreRows => {Int(plan.ScoreRows)};");
            w.Line();
            EmitProjectionEntries(w, plan);
            w.Line();
            cancellationToken.ThrowIfCancellationRequested();
            if (plan.HeadsInLanes)
            {
                EmitHeadsInLanesKernel(w, plan, cancellationToken);
            }
            else if (plan.HeadPairs)
            {
                EmitHeadPairsKernel(w, plan, cancellationToken);
            }
            else if (plan.QueryLanes)
            {
                EmitQueryLanesKernel(w, plan);
            }
            else if (plan.KeyRows)
            {
                EmitKeyRowsKernel(w, plan);
            }
            else
            {
                EmitHeadKernel(w, plan, cancellationToken);
            }

            EmitLinears(w, plan);
            w.Close();
            w.Close();
        }

        /// <summary>
        /// A tier holding the projections alone (<see cref="KernelPlan.Attention"/>): its projections in its own width,
        /// its attention and the sizes of its items and score buffers the narrower tier's, by calls the JIT inlines.
        /// </summary>
        private static void EmitBorrowedAttention(IndentedWriter w, KernelPlan plan, string attention)
        {
            string narrower = plan.Attention!.Tier.Vector;
            w.Line($"/// <summary>The {narrower} code's: an item of its attention.</summary>");
            w.Line($"public static int HeadsPerItem => {attention}.HeadsPerItem;");
            w.Line();
            w.Line($"/// <summary>The {narrower} code's score buffer.</summary>");
            w.Line($"public static int ScoreBufferLength => {attention}.ScoreBufferLength;");
            w.Line();
            w.Line($"/// <summary>The {narrower} code's score-buffer rows.</summary>");
            w.Line($"public static int ScoreRows => {attention}.ScoreRows;");
            w.Line();
            EmitProjectionEntries(w, plan);
            w.Line();
            w.Line($"/// <summary>The attention of one item: the {narrower} code's (see the class summary).</summary>");
            EmitAttendItemSignature(w);
            w.Line($"    => {attention}.AttendItem<TKeys>(ref q, ref k, ref v, ref o, ref w, writeWeights, ref keep, ref scores);");
            EmitLinears(w, plan);
        }

        /// <summary>The tier's projection entries (<c>ProjectQueries</c>, <c>ProjectKeysAndValues</c>).</summary>
        private static void EmitProjectionEntries(IndentedWriter w, KernelPlan plan)
        {
            KernelSpec spec = plan.Spec;
            EmitProjectionEntry(w, "ProjectQueries", plan.QueryProjection, $"D = {Int(spec.D)} to D columns (the query and output projections)");
            w.Line();
            EmitKeyValueProjection(w, plan.ContextProjection, spec.KvWidth == spec.D
                ? $"KvDim = {Int(spec.ResolvedKvDim)} to D = {Int(spec.D)} columns"
                : $"KvDim = {Int(spec.ResolvedKvDim)} to KvHeads · dh = {Int(spec.KvWidth)} columns");
        }

        /// <summary>The projections this shape's file holds (the others call the runtime's kernel of the tier).</summary>
        private static void EmitLinears(IndentedWriter w, KernelPlan plan)
        {
            foreach (LinearPlan linear in plan.Projections.Where(p => p.Generated))
            {
                w.Line();
                EmitLinear(w, linear);
            }
        }

        /// <summary>One head of one batch item by the runtime's query-lanes kernel of the tier, with this shape's sizes.</summary>
        private static void EmitQueryLanesKernel(IndentedWriter w, KernelPlan plan)
        {
            KernelSpec spec = plan.Spec;
            w.Line("/// <summary>");
            w.Line("/// One head of one batch item, query rows in the vector lanes. <paramref name=\"q\"/>, <paramref name=\"o\"/> point at the head's first column of query row 0,");
            w.Line($"/// <paramref name=\"k\"/>, <paramref name=\"v\"/> at key row 0 (row stride {Int(spec.KvWidth)}); <paramref name=\"w\"/> at the head's [{Int(spec.Lq)}, {Int(spec.Lkv)}] weights.");
            w.Line("/// <paramref name=\"keep\"/>: −1 for keys attended, 0 for masked keys; <paramref name=\"scores\"/>: the kernel's scratch.");
            w.Line("/// </summary>");
            EmitAttendItemSignature(w);
            // A causal shape's keep holds a mask per row; its last row, which sees every key, is the key mask itself.
            string keep = spec.Causal ? $"ref Unsafe.Add(ref keep, {Int((spec.Lq - 1) * plan.ScoreBufferLength)})" : "ref keep";
            w.Line($"    => P.AttendQueryLanes(ref q, ref k, ref v, ref o, ref w, writeWeights, {keep}, ref scores, {Int(plan.ScoreBufferLength * plan.ScoreRows)}, " +
                   $"{Int(spec.Lq)}, {Int(spec.Lkv)}, {Int(spec.D)}, {Int(spec.KvWidth)}, {Int(spec.HeadSize)}, {FloatLiteral(spec.ResolvedScale)}, {(spec.Causal ? "true" : "false")});");
        }

        /// <summary>The vectors of one head row in the order they are written: the tail first, then whole vectors.</summary>
        private static List<Chunk> HeadChunks(HeadTraversal head, bool inLoop) => Chunks(head.HeadSize, head.Lanes, inLoop);

        /// <summary>The vectors of <paramref name="lanes"/> covering <paramref name="size"/> columns: the tail (if any)
        /// first, then whole vectors from the <paramref name="firstFull"/>-th on (the ones before are walked by a loop).</summary>
        private static List<Chunk> Chunks(int size, int lanes, bool inLoop, int firstFull = 0)
        {
            var chunks = new List<Chunk>();
            if (size % lanes != 0)
            {
                chunks.Add(size < lanes ? new Chunk(0, ChunkKind.ScalarTail, inLoop) : new Chunk(size - lanes, ChunkKind.OverlapTail, inLoop));
            }

            for (int x = firstFull; x < size / lanes; x++)
            {
                chunks.Add(new Chunk(x * lanes, ChunkKind.Full, inLoop));
            }

            return chunks;
        }

        /// <summary>Whole vectors of a looped group, at offsets relative to the loop variable <c>c</c>.</summary>
        private static List<Chunk> LoopedChunks(int count, int lanes) =>
            Enumerable.Range(0, count).Select(x => new Chunk(x * lanes, ChunkKind.Full, true)).ToList();

        /// <summary>
        /// The signature of <c>AttendItem</c>: generic over <c>TKeys</c>, whose <c>Masked</c> the JIT folds (false for a
        /// call without a key mask), so code testing it compiles to the arithmetic alone where every key is attended.
        /// </summary>
        private static void EmitAttendItemSignature(IndentedWriter w)
        {
            w.Line("public static void AttendItem<TKeys>(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep, ref float scores)");
            w.Line("    where TKeys : struct, IKeySelection");
        }

        /// <summary>A mask literal (a vector of floats) keeping the last <paramref name="tailLanes"/> of <paramref name="lanes"/> lanes.</summary>
        private static string TailMask(int tailLanes, int lanes) =>
            $"Vec.Create({string.Join(", ", Enumerable.Range(0, lanes).Select(t => t < lanes - tailLanes ? "0" : "-1"))}).AsSingle()";

        /// <summary><c>a0, a1, …</c> for the first <paramref name="count"/> of <paramref name="lanes"/> arguments, zero
        /// vectors for the rest: the operands of a reduction.</summary>
        private static string ReduceArguments(string prefix, int count, int lanes, string zero = "V.Zero") =>
            string.Join(", ", Enumerable.Range(0, lanes).Select(t => t < count ? $"{prefix}{t}" : zero));

        private static int KeysIn(KernelPlan plan, int keyBlock) =>
            keyBlock < plan.FullKeyBlocks ? plan.Lanes : plan.KeyTailLanes;

        /// <summary>An expression reading one vector (of <paramref name="lanes"/>) of a row: <c>ref {reference} + rowBase + chunk offset</c>.</summary>
        private static string Load(int lanes, int tailLanes, string reference, int rowBase, Chunk chunk, bool maskTail)
        {
            string? loopVariable = chunk.InLoop ? "c" : null;
            switch (chunk.Kind)
            {
                case ChunkKind.ScalarTail:
                    IEnumerable<string> values = Enumerable.Range(0, lanes).Select(t => t < tailLanes
                        ? $"Unsafe.Add(ref {reference}, {IntOffset(loopVariable, rowBase + chunk.Offset + t)})"
                        : "0f");
                    return $"Vec.Create({string.Join(", ", values)})";
                case ChunkKind.OverlapTail:
                    string load = $"Vec.LoadUnsafe(ref {reference}, {NativeOffset(loopVariable, rowBase + chunk.Offset)})";
                    return maskTail ? $"(tailMask & {load})" : load;
                default:
                    return $"Vec.LoadUnsafe(ref {reference}, {NativeOffset(loopVariable, rowBase + chunk.Offset)})";
            }
        }

        /// <summary>One vector of a head row (see <see cref="Load(int, int, string, int, Chunk, bool)"/>).</summary>
        private static string Load(KernelPlan plan, string reference, int rowBase, Chunk chunk, bool maskTail) =>
            Load(plan.Lanes, plan.Head.TailLanes, reference, rowBase, chunk, maskTail);

        private static void EmitStore(IndentedWriter w, KernelPlan plan, string reference, Chunk chunk, string value)
        {
            string? loopVariable = chunk.InLoop ? "c" : null;
            if (chunk.Kind != ChunkKind.ScalarTail)
            {
                w.Line($"{value}.StoreUnsafe(ref {reference}, {NativeOffset(loopVariable, chunk.Offset)});");
                return;
            }

            w.Open();
            w.Line($"V r = {value};");
            for (int t = 0; t < plan.Head.TailLanes; t++)
            {
                w.Line($"Unsafe.Add(ref {reference}, {IntOffset(loopVariable, chunk.Offset + t)}) = r.GetElement({t});");
            }

            w.Close();
        }

        private static string NativeOffset(string? variable, int constant) =>
            variable is null ? Int(constant) : constant == 0 ? $"(nuint)({variable})" : $"(nuint)({variable} + {Int(constant)})";

        private static string IntOffset(string? variable, int constant) =>
            variable is null ? Int(constant) : constant == 0 ? variable : $"{variable} + {Int(constant)}";

        /// <summary><c>f(f(a, b), f(c, d))</c>: a balanced tree, so no long dependency chain. A function of <c>"+"</c>
        /// writes <c>((a + b) + (c + d))</c>.</summary>
        private static string Tree(string function, List<string> operands)
        {
            while (operands.Count > 1)
            {
                var next = new List<string>();
                for (int i = 0; i < operands.Count; i += 2)
                {
                    next.Add(i + 1 >= operands.Count ? operands[i]
                        : function == "+" ? $"({operands[i]} + {operands[i + 1]})"
                        : $"{function}({operands[i]}, {operands[i + 1]})");
                }

                operands = next;
            }

            return operands[0];
        }
    }
}
