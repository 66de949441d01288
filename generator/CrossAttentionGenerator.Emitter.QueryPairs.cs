using System.Collections.Generic;
using System.Linq;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Two query rows at once, for shapes whose keys are walked in loops: every key and value row read from memory
        /// serves both rows. Scores in register blocks of 2 rows × 4 keys (8 accumulators, 6 loads per 8 FMAs), one
        /// softmax per row over its score buffer row, the weighted sum in blocks of 2 rows × 4 output vectors. The rows
        /// are query rows i and i + 1 of a head, or with <see cref="KernelPlan.PairHeads"/> row i of two heads sharing a
        /// key/value head (dh columns and one head's weights apart), which see the same keys: with <c>Causal</c> they
        /// read row i's key mask and stop at its horizon.
        /// </summary>
        private static void EmitQueryPair(IndentedWriter w, KernelPlan plan, string rowOffset, string weightsOffset, string row)
        {
            KernelSpec spec = plan.Spec;
            int secondRow = plan.PairHeads ? spec.HeadSize : spec.D;
            long secondWeights = plan.PairHeads ? (long)spec.Lq * spec.Lkv : spec.Lkv;
            w.Line($"ref float qi = ref Unsafe.Add(ref q, {rowOffset});");
            w.Line($"ref float oi = ref Unsafe.Add(ref o, {rowOffset});");
            w.Line($"ref float oi1 = ref Unsafe.Add(ref oi, {Int(secondRow)});");
            w.Line($"ref float scores1 = ref Unsafe.Add(ref scores, {Int(plan.ScoreBufferLength)});");
            EmitKeepRow(w, plan, row);
            w.Line();
            w.Line(plan.PairHeads
                ? "// Scores: blocks of 2 heads × 4 keys, each key row read once for both heads."
                : "// Scores: blocks of 2 query rows × 4 keys, each key row read once for both rows.");
            w.Line("Vector128<float> maxima0 = negativeInfinity4, maxima1 = negativeInfinity4;");
            int whole = spec.Lkv / 4 * 4;
            if (whole > 0)
            {
                // A causal row computes the blocks its horizon reaches into; keys past it are masked by its key mask.
                w.Open(StopsAtHorizon(plan)
                    ? $"for (int j = 0, end = Math.Min(seen, {Int(whole)}); j < end; j += 4)"
                    : $"for (int j = 0; j < {Int(whole)}; j += 4)");
                w.Line($"ref float kr = ref Unsafe.Add(ref k, j * {Int(spec.KvWidth)});");
                EmitPairScoreBlock(w, plan, 4, "(nuint)j");
                w.Close();
            }

            if (spec.Lkv > whole)
            {
                w.Open(StopsAtHorizon(plan) ? $"if (seen > {Int(whole)})" : null);
                w.Line($"ref float kr = ref Unsafe.Add(ref k, {Int(whole * spec.KvWidth)});");
                EmitPairScoreBlock(w, plan, spec.Lkv - whole, Int(whole));
                w.Close();
            }

            w.Line();
            w.Line("// Softmax per row: subtract the row maximum, exponentiate, keep attended lanes only.");
            for (int r = 0; r < 2; r++)
            {
                w.Line($"V shift{r} = Vec.Create(P.HorizontalMax(maxima{r}));");
                EmitSoftmaxLoop(w, plan, r == 0 ? "scores" : "scores1", $"shift{r}", $"inverse{r}");
                w.Line($"V inverses{r} = Vec.Create(inverse{r});");
            }

            w.Line();
            w.Line($"// Weighted sum of value rows: blocks of 2 rows × 4 output vectors, each value row read once for both {(plan.PairHeads ? "heads" : "rows")}.");
            List<Chunk> chunks = HeadChunks(plan.Head, inLoop: false);
            for (int start = 0; start < chunks.Count; start += 4)
            {
                EmitPairValueGroup(w, plan, chunks.Skip(start).Take(4).ToList());
            }

            w.Line();
            EmitWeights(w, plan, weightsOffset, "scores", "inverse0", "inverses0");
            EmitWeights(w, plan, $"{weightsOffset} + {secondWeights.ToString(System.Globalization.CultureInfo.InvariantCulture)}", "scores1", "inverse1", "inverses1");
        }

        /// <summary>Scores of <paramref name="keys"/> keys (at <c>kr</c>) for both rows (the first at
        /// <paramref name="query"/>), masked by selection, stored at <paramref name="offset"/> of each row's score buffer
        /// (<paramref name="scores0"/>, <paramref name="scores1"/>); with <paramref name="maxima"/>, folded into each
        /// row's running maximum. With <paramref name="rows"/> = 1, the first row alone (the last head of an odd group).</summary>
        private static void EmitPairScoreBlock(IndentedWriter w, KernelPlan plan, int keys, string offset,
                                               string query = "qi", string scores0 = "scores", string scores1 = "scores1", bool maxima = true, int rows = 2)
        {
            KernelSpec spec = plan.Spec;
            for (int r = 0; r < rows; r++)
            {
                for (int t = 0; t < keys; t++)
                {
                    w.Line($"V a{r}_{t} = V.Zero;");
                }
            }

            foreach (Chunk chunk in HeadChunks(plan.Head, inLoop: false))
            {
                w.Open();
                w.Line($"V x0 = {Load(plan, query, 0, chunk, maskTail: true)};");
                if (rows == 2)
                {
                    w.Line($"V x1 = {Load(plan, query, plan.PairHeads ? spec.HeadSize : spec.D, chunk, maskTail: true)};");
                }

                for (int t = 0; t < keys; t++)
                {
                    w.Line($"V k{t} = {Load(plan, "kr", t * spec.KvWidth, chunk, maskTail: true)};");
                    for (int r = 0; r < rows; r++)
                    {
                        w.Line($"a{r}_{t} = Vec.FusedMultiplyAdd(x{r}, k{t}, a{r}_{t});");
                    }
                }

                w.Close();
            }

            w.Line($"Vector128<float> kept = Vector128.LoadUnsafe(ref {Keep(plan)}, {offset}).AsSingle();");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"Vector128<float> s{r} = Vector128.ConditionalSelect(kept, P.Reduce4({ReduceArguments($"a{r}_", keys, 4)}) * scale4, negativeInfinity4);");
                w.Line($"s{r}.StoreUnsafe(ref {(r == 0 ? scores0 : scores1)}, {offset});");
                if (maxima)
                {
                    w.Line($"maxima{r} = Vector128.MaxNative(maxima{r}, s{r});");
                }
            }
        }

        /// <summary>Up to 4 output vectors of both rows: Σ_j p_j v_j over attended keys, times each row's 1/Σp.</summary>
        private static void EmitPairValueGroup(IndentedWriter w, KernelPlan plan, List<Chunk> group) =>
            EmitValueBlock(w, plan, group, 2, new[] { "oi", "oi1" }, new[] { "scores", "scores1" },
                           StopsAtHorizon(plan) ? "for (int j = 0; j < seen; j++)" : $"for (int j = 0; j < {Int(plan.Spec.Lkv)}; j++)",
                           (r, x) => "Vec.Create(-0f)", (r, x) => $"(o{r}_{x} * inverses{r})");

        /// <summary>
        /// Up to 4 output vectors of <paramref name="rows"/> rows (1 or 2) over the value rows <paramref name="loop"/>
        /// walks: accumulators o{r}_{x} start at <paramref name="start"/>, add p_j · value row j for each attended key j
        /// (p from the row's score buffer), and are written to the row's output as <paramref name="result"/> gives them.
        /// </summary>
        private static void EmitValueBlock(IndentedWriter w, KernelPlan plan, List<Chunk> group, int rows, string[] outputs, string[] scores,
                                           string loop, System.Func<int, int, string> start, System.Func<int, int, string> result)
        {
            KernelSpec spec = plan.Spec;
            w.Open();
            for (int r = 0; r < rows; r++)
            {
                for (int x = 0; x < group.Count; x++)
                {
                    w.Line($"V o{r}_{x} = {start(r, x)};");
                }
            }

            w.Open(loop);
            w.Open($"if (Unsafe.Add(ref {Keep(plan)}, j) != 0)");
            w.Line("V " + string.Join(", ", Enumerable.Range(0, rows).Select(r => $"p{r} = Vec.Create(Unsafe.Add(ref {scores[r]}, j))")) + ";");
            w.Line($"ref float vr = ref Unsafe.Add(ref v, j * {Int(spec.KvWidth)});");
            for (int x = 0; x < group.Count; x++)
            {
                w.Line($"V value{x} = {Load(plan, "vr", 0, group[x], maskTail: false)};");
                for (int r = 0; r < rows; r++)
                {
                    w.Line($"o{r}_{x} = Vec.FusedMultiplyAdd(p{r}, value{x}, o{r}_{x});");
                }
            }

            w.Close();
            w.Close();
            for (int r = 0; r < rows; r++)
            {
                for (int x = 0; x < group.Count; x++)
                {
                    EmitStore(w, plan, outputs[r], group[x], result(r, x));
                }
            }

            w.Close();
        }
    }
}
