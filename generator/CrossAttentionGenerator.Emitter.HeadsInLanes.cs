using System.Linq;
using System.Threading;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Every head of one batch item at once: lane h of a score vector is head h's score, so the max, the
        /// exponential and the normalization of a softmax step are one vector operation for all heads. Query rows go in
        /// blocks of up to <see cref="KernelPlanner.HeadsInLanesBlockRows"/>, each block in three passes over its rows —
        /// scores, softmax, weighted sums — with the score vectors in the score buffer between them: a row's softmax is a
        /// chain of dependent steps (reduction, exponential, division), and rows computed pass by pass let the core
        /// overlap the chains of the block's rows instead of waiting on each in turn.
        /// </summary>
        private static void EmitHeadsInLanesKernel(IndentedWriter w, KernelPlan plan, CancellationToken cancellationToken)
        {
            KernelSpec spec = plan.Spec;
            int blockRows = plan.HeadsInLanesBlockRows;
            w.Line("/// <summary>");
            w.Line("/// All heads of one batch item, heads in the vector lanes. <paramref name=\"q\"/>, <paramref name=\"o\"/> point at query row 0,");
            w.Line($"/// <paramref name=\"k\"/>, <paramref name=\"v\"/> at key row 0 (row stride {spec.KvWidth}); <paramref name=\"w\"/> at the item's [{spec.Heads}, {spec.Lq}, {spec.Lkv}] weights;");
            w.Line($"/// <paramref name=\"keep\"/>: −1 for keys attended (at least one), 0 for masked keys; <paramref name=\"scores\"/>: a block's [{blockRows}, {spec.Lkv}] score vectors.");
            w.Line("/// </summary>");
            EmitAttendItemSignature(w);
            w.Open();
            w.Line("// TKeys.Masked is a constant to the JIT: a call without a key mask compiles without the selects, masks and branches below.");
            w.Line($"V scale = Vec.Create({FloatLiteral(spec.ResolvedScale)});");
            w.Line("V negativeInfinity = Vec.Create(float.NegativeInfinity);");
            w.Line("ref V buffer = ref Unsafe.As<float, V>(ref scores);");
            string rows;
            if (spec.Lq > blockRows)
            {
                w.Open($"for (int first = 0; first < {Int(spec.Lq)}; first += {Int(blockRows)})");
                w.Line($"int rows = System.Math.Min({Int(blockRows)}, {Int(spec.Lq)} - first);");
                rows = "rows";
            }
            else
            {
                w.Open();
                w.Line("const int first = 0;");
                rows = Int(spec.Lq);
            }

            cancellationToken.ThrowIfCancellationRequested();
            EmitHeadsInLanesScores(w, plan, rows);
            EmitHeadsInLanesSoftmax(w, plan, rows);
            EmitHeadsInLanesValues(w, plan, rows);
            w.Close();
            w.Close();
        }

        /// <summary>The start of a pass's row: row i = first + r, its score vectors, and (causal) its key mask.</summary>
        private static void EmitHeadsInLanesRowStart(IndentedWriter w, KernelPlan plan, string rows)
        {
            w.Open($"for (int r = 0; r < {rows}; r++)");
            w.Line("int i = first + r;");
            w.Line($"ref V si = ref Unsafe.Add(ref buffer, r * {Int(plan.Spec.Lkv)});");
            EmitKeepRow(w, plan, "i");
        }

        private static void EmitHeadsInLanesScores(IndentedWriter w, KernelPlan plan, string rows)
        {
            KernelSpec spec = plan.Spec;
            int lanes = plan.Lanes, chunks = spec.HeadSize / lanes, heads = spec.Heads;
            string keep = Keep(plan);
            w.Line();
            w.Line("// Scores: per row and key one vector, lane h = scale · (q_h · k_h); masked keys −∞ (selected, never multiplied).");
            EmitHeadsInLanesRowStart(w, plan, rows);
            w.Line($"ref float qi = ref Unsafe.Add(ref q, i * {Int(spec.D)});");
            for (int j = 0; j < spec.Lkv; j++)
            {
                w.Open();
                for (int h = 0; h < heads; h++)
                {
                    for (int c = 0; c < chunks; c++)
                    {
                        // Query head h reads key/value head h / GroupSize (the same head without grouped-query attention).
                        int column = (h * spec.HeadSize) + (c * lanes), kvColumn = (h / spec.GroupSize * spec.HeadSize) + (c * lanes);
                        string query = $"Vec.LoadUnsafe(ref qi, {column})", key = $"Vec.LoadUnsafe(ref k, {(j * spec.KvWidth) + kvColumn})";
                        w.Line(c == 0
                            ? $"V a{h} = {query} * {key};"
                            : $"a{h} = Vec.FusedMultiplyAdd({query}, {key}, a{h});");
                    }
                }

                w.Line($"V s = P.Reduce({ReduceArguments("a", heads, lanes)}) * scale;");
                w.Line($"Unsafe.Add(ref si, {j}) = TKeys.Masked ? Vec.ConditionalSelect(Vec.Create(Unsafe.Add(ref {keep}, {j})).AsSingle(), s, negativeInfinity) : s;");
                w.Close();
            }

            w.Close();
        }

        private static void EmitHeadsInLanesSoftmax(IndentedWriter w, KernelPlan plan, string rows)
        {
            int keys = plan.Spec.Lkv;
            string keep = Keep(plan);
            w.Line();
            w.Line("// Softmax over the keys, every head at once; p_j = e^(s_j − max) / Σ e^(s − max), back in place of s_j.");
            EmitHeadsInLanesRowStart(w, plan, rows);
            for (int j = 0; j < keys; j++)
            {
                w.Line($"V s{j} = Unsafe.Add(ref si, {j});");
            }

            w.Line($"V max = {Tree("Vec.MaxNative", Enumerable.Range(0, keys).Select(j => $"s{j}").ToList())};");
            for (int j = 0; j < keys; j++)
            {
                w.Line($"V p{j} = P.Exp(s{j} - max);");
            }

            w.Open("if (TKeys.Masked)");
            for (int j = 0; j < keys; j++)
            {
                w.Line($"p{j} &= Vec.Create(Unsafe.Add(ref {keep}, {j})).AsSingle();");
            }

            w.Close();

            w.Line($"V inverse = Vec.Create(1f) / {Tree("+", Enumerable.Range(0, keys).Select(j => $"p{j}").ToList())};");
            for (int j = 0; j < keys; j++)
            {
                w.Line($"Unsafe.Add(ref si, {j}) = p{j} * inverse;");
            }

            w.Close();
        }

        private static void EmitHeadsInLanesValues(IndentedWriter w, KernelPlan plan, string rows)
        {
            KernelSpec spec = plan.Spec;
            int lanes = plan.Lanes, chunks = spec.HeadSize / lanes, heads = spec.Heads, keys = spec.Lkv;
            string keep = Keep(plan);
            w.Line();
            w.Line("// Weighted sum of value rows, per head: lane h of p_j broadcast over the head's columns, loaded from the score");
            w.Line("// buffer (a load, where a permute of the vector would take a shuffle). Accumulators start at −0, the identity of +,");
            w.Line("// so one attended key reproduces its value row bit for bit.");
            EmitHeadsInLanesRowStart(w, plan, rows);
            w.Line($"ref float oi = ref Unsafe.Add(ref o, i * {Int(spec.D)});");
            w.Line("ref float pi = ref Unsafe.As<V, float>(ref si);");
            for (int h = 0; h < heads; h++)
            {
                w.Open();
                for (int c = 0; c < chunks; c++)
                {
                    w.Line($"V o{c} = Vec.Create(-0f);");
                }

                for (int j = 0; j < keys; j++)
                {
                    w.Open($"if (!TKeys.Masked || Unsafe.Add(ref {keep}, {j}) != 0)");
                    w.Line($"V p = Vec.Create(Unsafe.Add(ref pi, {(j * lanes) + h}));");
                    for (int c = 0; c < chunks; c++)
                    {
                        w.Line($"o{c} = Vec.FusedMultiplyAdd(p, Vec.LoadUnsafe(ref v, {(j * spec.KvWidth) + (h / spec.GroupSize * spec.HeadSize) + (c * lanes)}), o{c});");
                    }

                    w.Close();
                }

                for (int c = 0; c < chunks; c++)
                {
                    w.Line($"o{c}.StoreUnsafe(ref oi, {(h * spec.HeadSize) + (c * lanes)});");
                }

                w.Close();
            }

            w.Line();
            w.Open("if (writeWeights)");
            w.Line("// Keys not attended get 0 even in a NaN row (p is 0 there, but 0 · NaN is not).");
            w.Line($"ref float wi = ref Unsafe.Add(ref w, i * {Int(keys)});");
            for (int j = 0; j < keys; j++)
            {
                w.Line($"V p{j} = Unsafe.Add(ref si, {j}) & Vec.Create(Unsafe.Add(ref {keep}, {j})).AsSingle();");
                for (int h = 0; h < heads; h++)
                {
                    w.Line($"Unsafe.Add(ref wi, {(h * spec.Lq * spec.Lkv) + j}) = p{j}.GetElement({h});");
                }
            }

            w.Close();
            w.Close();
        }
    }
}
