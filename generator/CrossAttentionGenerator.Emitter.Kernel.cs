using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>How one 8-lane vector of a head row is read and written.</summary>
        private enum ChunkKind
        {
            /// <summary>Eight whole columns.</summary>
            Full,

            /// <summary>The last dh % 8 columns, read as the 8 columns ending the head (dh ≥ 8); the lanes the previous
            /// vector already covers are masked off in dot products and written first in stores, so the whole vectors
            /// written after overwrite them.</summary>
            OverlapTail,

            /// <summary>A head of fewer than 8 columns, assembled and written lane by lane.</summary>
            ScalarTail,
        }

        /// <summary>One vector of a head row: its column offset (plus the loop variable <c>c</c> when
        /// <paramref name="InLoop"/>) and how it is read.</summary>
        private readonly record struct Chunk(int Offset, ChunkKind Kind, bool InLoop);

        /// <summary>
        /// The shape's code: a <c>file</c>-local struct implementing <c>IGeneratedKernel</c>, in the generator's own
        /// namespace. The usings sit inside that namespace and are <c>global::</c>-qualified, so no type or namespace of
        /// the user's (a <c>CrossAttention.System</c>, a global <c>Vector256</c>) can change what a simple name here means.
        /// </summary>
        private static void EmitKernelCode(IndentedWriter w, KernelPlan plan, string codeStruct, CancellationToken cancellationToken)
        {
            KernelSpec spec = plan.Spec;
            w.Open("namespace CrossAttention.Generated");
            w.Line("using global::System;");
            w.Line("using global::System.Runtime.CompilerServices;");
            w.Line("using global::System.Runtime.InteropServices;");
            w.Line("using global::System.Runtime.Intrinsics;");
            w.Line("using global::System.Runtime.Intrinsics.X86;");
            w.Line("using global::CrossAttention.Kernels;");
            w.Line();
            w.Line($"/// <summary>The specialized code behind {spec.Hierarchy.DisplayName}: {ShapeText(spec)}.</summary>");
            w.Line($"[global::System.CodeDom.Compiler.GeneratedCode(\"{ToolName}\", \"{ToolVersion}\")]");
            w.Open($"file readonly struct {codeStruct} : global::CrossAttention.Kernels.IGeneratedKernel");
            w.Line("/// <summary>The shape as the attribute gives it.</summary>");
            w.Line($"public static {Shape} Shape {{ get; }} = new({Int(spec.Lq)}, {Int(spec.Lkv)}, {Int(spec.D)}, {Int(spec.Heads)}, {Int(spec.KvDim)}, {FloatLiteral(spec.Scale)});");
            w.Line();
            w.Line("/// <summary>The tier this code is.</summary>");
            w.Line("public static global::CrossAttention.KernelPath Tier => global::CrossAttention.KernelPath.Specialized256;");
            w.Line();
            w.Line("/// <summary>This code needs AVX2 and FMA.</summary>");
            w.Line("public static bool IsSupported => Avx2Primitives.IsSupported;");
            w.Line();
            EmitDriver(w, plan);
            w.Line();
            cancellationToken.ThrowIfCancellationRequested();
            if (plan.HeadsInLanes)
            {
                EmitHeadsInLanesKernel(w, plan, cancellationToken);
            }
            else
            {
                EmitHeadKernel(w, plan, cancellationToken);
            }

            w.Line();
            EmitLayer(w, plan);
            w.Close();
            w.Close();
        }

        /// <summary>
        /// The entry point: the call's batch × heads items, split over threads when that is asked for and worth it,
        /// each item one call of the per-head kernel.
        /// </summary>
        private static void EmitDriver(IndentedWriter w, KernelPlan plan)
        {
            KernelSpec spec = plan.Spec;
            int buffer = plan.ScoreBufferLength;
            const string Parameters = "ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights";
            const string Arguments = "q, k, v, output, keyMask, attentionWeights";

            w.Line("/// <summary>Runs the specialized kernel on validated arguments (<paramref name=\"batch\"/> ≥ 1).</summary>");
            // An item is one head of one batch item, or, with heads in lanes, one batch item.
            string items = plan.HeadsInLanes ? "batch" : $"batch * {spec.Heads}";
            w.Open($"public static void Attend({Parameters}, int batch)");
            w.Open($"if (KernelParallel.ShouldSplit({items}, batch * {ShapeRules.AttendFlops(spec.Lq, spec.Lkv, spec.D)}L))");
            w.Line($"KernelParallel.For<AttendWork>({items}, {Arguments}, batch);");
            w.Close();
            w.Open("else");
            w.Line($"AttendItems({Arguments}, 0, {items});");
            w.Close();
            w.Close();
            w.Line();
            w.Line(plan.HeadsInLanes
                ? "/// <summary>Items [start, end) of a call on one thread; item = batch item.</summary>"
                : "/// <summary>Items [start, end) of a call on one thread; item = batch item · Heads + head.</summary>");
            w.Open("private readonly struct AttendWork : IKernelWork");
            w.Line("public static void Run(in KernelSpans spans, int start, int end) => AttendItems(spans.A, spans.B, spans.C, spans.D, spans.E, spans.F, start, end);");
            w.Close();
            w.Line();
            w.Open($"private static void AttendItems({Parameters}, int start, int end)");
            int scoreBuffer = buffer * plan.QueryBlockRows;
            if (plan.ScoresOnStack)
            {
                w.Line($"Span<int> keep = stackalloc int[{buffer}];");
                w.Line($"Span<float> scores = stackalloc float[{scoreBuffer}];");
                w.Line($"Run({Arguments}, start, end, keep, scores);");
            }
            else
            {
                w.Line($"using Scratch scratch = new Scratch({buffer + scoreBuffer});");
                w.Line($"Run({Arguments}, start, end, MemoryMarshal.Cast<float, int>(scratch.Span[..{buffer}]), scratch.Span[{buffer}..]);");
            }

            w.Close();
            w.Line();
            if (plan.HeadsInLanes)
            {
                EmitHeadsInLanesRun(w, plan, Parameters);
                return;
            }

            w.Open($"private static void Run({Parameters}, int start, int end, Span<int> keep, Span<float> scores)");
            w.Line("ref float qBase = ref MemoryMarshal.GetReference(q);");
            w.Line("ref float kBase = ref MemoryMarshal.GetReference(k);");
            w.Line("ref float vBase = ref MemoryMarshal.GetReference(v);");
            w.Line("ref float oBase = ref MemoryMarshal.GetReference(output);");
            w.Line("ref float wBase = ref MemoryMarshal.GetReference(attentionWeights);");
            w.Line("bool writeWeights = !attentionWeights.IsEmpty;");
            w.Line("int maskedItem = -1, keptItem = -1;");
            w.Open("for (int item = start; item < end; item++)");
            w.Line($"int b = item / {spec.Heads}, h = item - (b * {spec.Heads});");
            w.Line($"int rows = (b * {spec.Lq * spec.D}) + (h * {spec.HeadSize});");
            w.Line($"int keys = (b * {spec.Lkv * spec.D}) + (h * {spec.HeadSize});");
            // Only where weights are written: without them the offset is bounded by no span (and checked arithmetic, which a
            // project may turn on, would throw).
            w.Line($"int weights = writeWeights ? item * {spec.Lq * spec.Lkv} : 0;");
            w.Open("if (b != keptItem && b != maskedItem)");
            w.Line($"bool attended = Avx2Primitives.FillKeep(keep, keyMask.IsEmpty ? default : keyMask.Slice(b * {spec.Lkv}, {spec.Lkv}), {spec.Lkv}) != 0;");
            w.Line("(keptItem, maskedItem) = attended ? (b, maskedItem) : (keptItem, b);");
            w.Close();
            w.Line();
            w.Open("if (b == maskedItem)");
            w.Line("// Every key of this batch item is masked: this head's output columns and weights are zeros.");
            w.Open($"for (int i = 0; i < {spec.Lq}; i++)");
            w.Line($"output.Slice(rows + (i * {spec.D}), {spec.HeadSize}).Clear();");
            w.Close();
            w.Open("if (writeWeights)");
            w.Line($"attentionWeights.Slice(weights, {spec.Lq * spec.Lkv}).Clear();");
            w.Close();
            w.Line("continue;");
            w.Close();
            w.Line();
            w.Line("AttendHead(");
            w.Line("    ref Unsafe.Add(ref qBase, rows), ref Unsafe.Add(ref kBase, keys), ref Unsafe.Add(ref vBase, keys), ref Unsafe.Add(ref oBase, rows),");
            w.Line("    ref writeWeights ? ref Unsafe.Add(ref wBase, weights) : ref MemoryMarshal.GetReference(scores), writeWeights,");
            w.Line("    ref MemoryMarshal.GetReference(keep), ref MemoryMarshal.GetReference(scores));");
            w.Close();
            w.Close();
        }

        /// <summary>The vectors of one head row in the order they are written: the tail first, then whole vectors.</summary>
        private static List<Chunk> HeadChunks(HeadTraversal head, bool inLoop) => Chunks(head.HeadSize, inLoop);

        /// <summary>The 8-lane vectors covering <paramref name="size"/> columns: the tail (if any) first, then whole vectors
        /// from the <paramref name="firstFull"/>-th on (the ones before are walked by a loop).</summary>
        private static List<Chunk> Chunks(int size, bool inLoop, int firstFull = 0)
        {
            var chunks = new List<Chunk>();
            if (size % 8 != 0)
            {
                chunks.Add(size < 8 ? new Chunk(0, ChunkKind.ScalarTail, inLoop) : new Chunk(size - 8, ChunkKind.OverlapTail, inLoop));
            }

            for (int x = firstFull; x < size / 8; x++)
            {
                chunks.Add(new Chunk(x * 8, ChunkKind.Full, inLoop));
            }

            return chunks;
        }

        /// <summary>A <c>Vector256&lt;int&gt;</c> mask literal keeping the last <paramref name="tailLanes"/> lanes.</summary>
        private static string TailMask(int tailLanes) =>
            $"Vector256.Create({string.Join(", ", Enumerable.Range(0, 8).Select(t => t < 8 - tailLanes ? "0" : "-1"))}).AsSingle()";

        private static int KeysIn(KernelPlan plan, int keyBlock) =>
            keyBlock < plan.FullKeyBlocks ? 8 : plan.KeyTailLanes;

        /// <summary>An expression reading one vector of a row: <c>ref {reference} + rowBase + chunk offset</c>.</summary>
        private static string Load(int tailLanes, string reference, int rowBase, Chunk chunk, bool maskTail)
        {
            string? loopVariable = chunk.InLoop ? "c" : null;
            switch (chunk.Kind)
            {
                case ChunkKind.ScalarTail:
                    IEnumerable<string> lanes = Enumerable.Range(0, 8).Select(t => t < tailLanes
                        ? $"Unsafe.Add(ref {reference}, {IntOffset(loopVariable, rowBase + chunk.Offset + t)})"
                        : "0f");
                    return $"Vector256.Create({string.Join(", ", lanes)})";
                case ChunkKind.OverlapTail:
                    string load = $"Vector256.LoadUnsafe(ref {reference}, {NativeOffset(loopVariable, rowBase + chunk.Offset)})";
                    return maskTail ? $"Avx.And(tailMask, {load})" : load;
                default:
                    return $"Vector256.LoadUnsafe(ref {reference}, {NativeOffset(loopVariable, rowBase + chunk.Offset)})";
            }
        }

        private static void EmitStore(IndentedWriter w, KernelPlan plan, string reference, Chunk chunk, string value)
        {
            string? loopVariable = chunk.InLoop ? "c" : null;
            if (chunk.Kind != ChunkKind.ScalarTail)
            {
                w.Line($"{value}.StoreUnsafe(ref {reference}, {NativeOffset(loopVariable, chunk.Offset)});");
                return;
            }

            w.Open();
            w.Line($"Vector256<float> r = {value};");
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

        /// <summary><c>f(f(a, b), f(c, d))</c>: a balanced tree, so no long dependency chain.</summary>
        private static string Tree(string function, List<string> operands)
        {
            while (operands.Count > 1)
            {
                var next = new List<string>();
                for (int i = 0; i < operands.Count; i += 2)
                {
                    next.Add(i + 1 < operands.Count ? $"{function}({operands[i]}, {operands[i + 1]})" : operands[i]);
                }

                operands = next;
            }

            return operands[0];
        }
    }
}
