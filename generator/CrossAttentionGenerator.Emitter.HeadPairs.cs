using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Every head of one batch item, heads of 8 columns two to a 16-lane vector (<see cref="KernelPlan.HeadPairs"/>).
        /// A query row's vector u holds heads 2u and 2u + 1; times the same columns of a key row it holds both heads'
        /// 8-lane products, and <c>P.ReduceHalves</c> turns eight such vectors into one score vector whose lane
        /// <c>8g + K·u + m</c> is head 2u + g's score for key <c>K·t + m</c> of score vector t (K keys a vector). The rows of
        /// a block go through scores, softmax and weighted sums with every score vector in a register: the rows' chains
        /// of dependent steps (reduction, exponential, division) interleave in straight-line code.
        /// </summary>
        private static void EmitHeadPairsKernel(IndentedWriter w, KernelPlan plan, CancellationToken cancellationToken)
        {
            KernelSpec spec = plan.Spec;
            int vectors = plan.HeadPairsVectors, blockRows = plan.HeadPairsBlockRows;
            w.Line("/// <summary>");
            w.Line("/// All heads of one batch item, two heads of 8 columns to a vector. <paramref name=\"q\"/>, <paramref name=\"o\"/> point at query row 0,");
            w.Line($"/// <paramref name=\"k\"/>, <paramref name=\"v\"/> at key row 0 (row stride {spec.KvWidth}); <paramref name=\"w\"/> at the item's [{spec.Heads}, {spec.Lq}, {spec.Lkv}] weights;");
            w.Line($"/// <paramref name=\"keep\"/>: −1 for keys attended (at least one), 0 for masked keys and the ints past key {spec.Lkv - 1} (16 in all); <paramref name=\"scores\"/>: unused (scores stay in registers).");
            w.Line("/// </summary>");
            EmitAttendItemSignature(w);
            w.Open();
            w.Line("// TKeys.Masked is a constant to the JIT: a call without a key mask compiles without the selects, masks and branches below.");
            w.Line($"// Lane 8g + {plan.HeadPairsKeys}u + m of a row's score vector t: head 2u + g, key {plan.HeadPairsKeys}t + m.");
            w.Line($"V scale = Vec.Create({FloatLiteral(spec.ResolvedScale)});");
            w.Line("V negativeInfinity = Vec.Create(float.NegativeInfinity);");
            if (!spec.Causal)
            {
                // One key mask for every row (a causal row reads its own, in its block).
                w.Line("Vector512<int> keys = Vector512.LoadUnsafe(ref keep);");
                EmitHeadPairsKeepVectors(w, plan, "keys", "");
            }

            cancellationToken.ThrowIfCancellationRequested();
            int blocks = spec.Lq / blockRows, tail = spec.Lq % blockRows;
            if (blocks > 1 || (blocks == 1 && tail > 0))
            {
                w.Line("int i = 0;");
                w.Open($"for (; i + {Int(blockRows)} <= {Int(spec.Lq)}; i += {Int(blockRows)})");
                EmitHeadPairsBlock(w, plan, blockRows);
                w.Close();
                if (tail > 0)
                {
                    w.Line();
                    w.Line($"// The last {KernelPlanner.Count(tail, "row")}.");
                    w.Open();
                    EmitHeadPairsBlock(w, plan, tail);
                    w.Close();
                }
            }
            else
            {
                w.Line("const int i = 0;");
                w.Open();
                EmitHeadPairsBlock(w, plan, spec.Lq);
                w.Close();
            }

            w.Close();
        }

        /// <summary>
        /// The key mask as lanes of each score vector, from the mask's 16 ints in <paramref name="keys"/>: keep{row}{t}, −1
        /// where the lane's key is attended. A vector with keys past Lkv (and a causal row's, which always masks) always
        /// selects; the others only under a key mask.
        /// </summary>
        private static void EmitHeadPairsKeepVectors(IndentedWriter w, KernelPlan plan, string keys, string row)
        {
            KernelSpec spec = plan.Spec;
            for (int t = 0; t < plan.HeadPairsVectors; t++)
            {
                string select = $"Vector512.Shuffle({keys}, Vector512.Create({string.Join(", ", Enumerable.Range(0, 16).Select(lane => KeepIndex(plan, t, lane)))}))";
                if (UnusedLanes(plan))
                {
                    // Lanes no head pair uses keep their score (0: their products are zero), so no lane meets −∞ − (−∞).
                    select = $"({select} | Vector512.Create({string.Join(", ", Enumerable.Range(0, 16).Select(lane => LaneKey(plan, lane).Pair < spec.Heads / 2 ? "0" : "-1"))}))";
                }

                w.Line(Padded(plan, t) || spec.Causal
                    ? $"V keep{row}{t} = {select}.AsSingle();"
                    : $"V keep{row}{t} = TKeys.Masked ? {select}.AsSingle() : V.Zero;");
            }
        }

        /// <summary>The head pair u and key m (within its score vector) of a lane's position in a half.</summary>
        private static (int Pair, int Key) LaneKey(KernelPlan plan, int lane) =>
            ((lane % 8) / plan.HeadPairsKeys, (lane % 8) % plan.HeadPairsKeys);

        /// <summary>The key-mask index a lane of score vector <paramref name="t"/> reads: its key, or 15 (always 0: at most 8 keys) for a lane no head pair uses.</summary>
        private static string KeepIndex(KernelPlan plan, int t, int lane)
        {
            (int pair, int key) = LaneKey(plan, lane);
            int j = (t * plan.HeadPairsKeys) + key;
            return Int(pair < plan.Spec.Heads / 2 && j < plan.Spec.Lkv ? j : 15);
        }

        /// <summary>True when K keys × Heads / 2 pairs leave lanes of a score vector unused (6, 10, 12 or 14 heads).</summary>
        private static bool UnusedLanes(KernelPlan plan) => plan.HeadPairsKeys * (plan.Spec.Heads / 2) < 8;

        /// <summary>True when score vector <paramref name="t"/> holds keys past Lkv.</summary>
        private static bool Padded(KernelPlan plan, int t) => (t + 1) * plan.HeadPairsKeys > plan.Spec.Lkv;

        /// <summary>
        /// Key or value row <paramref name="j"/>'s columns for head pair <paramref name="u"/>: the key/value heads of query
        /// heads 2u and 2u + 1 (h / GroupSize) are one head — its 8 columns in both halves — or two consecutive ones,
        /// whose 16 columns are side by side in the row.
        /// </summary>
        private static string PairLoad(KernelSpec spec, string reference, int j, int u)
        {
            int first = 2 * u / spec.GroupSize, second = ((2 * u) + 1) / spec.GroupSize, column = (j * spec.KvWidth) + (first * 8);
            return first == second
                ? $"Vector512.Create(Vector256.LoadUnsafe(ref {reference}, {Int(column)}))"
                : $"Vec.LoadUnsafe(ref {reference}, {Int(column)})";
        }

        /// <summary>Rows i … i + <paramref name="rows"/> − 1: scores, softmax, weighted sums (and weights), each step for every row.</summary>
        private static void EmitHeadPairsBlock(IndentedWriter w, KernelPlan plan, int rows)
        {
            KernelSpec spec = plan.Spec;
            int vectors = plan.HeadPairsVectors, keysPerVector = plan.HeadPairsKeys, pairs = spec.Heads / 2;
            string RowOffset(int r, int width) => r == 0 ? $"i * {Int(width)}" : $"(i + {Int(r)}) * {Int(width)}";

            // A causal row's key mask is its own (row i of the [Lq, 16] masks); otherwise every row reads the item's.
            string KeepVector(int r, int t) => spec.Causal ? $"keep{r}_{t}" : $"keep{t}";
            string KeepInts(int r) => spec.Causal ? $"keepRow{r}" : "keep";

            w.Line("// Scores: eight products of a query vector (two heads) and a key's same columns per score vector, reduced at once.");
            for (int r = 0; r < rows; r++)
            {
                if (spec.Causal)
                {
                    w.Line($"ref int keepRow{r} = ref Unsafe.Add(ref keep, {RowOffset(r, plan.ScoreBufferLength)});");
                    EmitHeadPairsKeepVectors(w, plan, $"Vector512.LoadUnsafe(ref keepRow{r})", $"{r}_");
                }

                // The row's query vectors, each read by every key of the row's score vectors: loaded once.
                w.Line($"ref float q{r} = ref Unsafe.Add(ref q, {RowOffset(r, spec.D)});");
                for (int u = 0; u < pairs; u++)
                {
                    w.Line($"V q{r}_{u} = Vec.LoadUnsafe(ref q{r}, {Int(16 * u)});");
                }

                for (int t = 0; t < vectors; t++)
                {
                    var products = new List<string>();
                    for (int lane = 0; lane < 8; lane++)
                    {
                        (int u, int m) = LaneKey(plan, lane);
                        int j = (t * keysPerVector) + m;
                        products.Add(u < pairs && j < spec.Lkv ? $"q{r}_{u} * {PairLoad(spec, "k", j, u)}" : "V.Zero");
                    }

                    w.Line($"V s{r}_{t} = P.ReduceHalves({string.Join(", ", products)}) * scale;");
                    string select = $"Vec.ConditionalSelect({KeepVector(r, t)}, s{r}_{t}, negativeInfinity)";
                    w.Line(Padded(plan, t) || spec.Causal ? $"s{r}_{t} = {select};" : $"s{r}_{t} = TKeys.Masked ? {select} : s{r}_{t};");
                }
            }

            w.Line();
            w.Line($"// Softmax over the keys of each head: the largest score across the vectors, then across the {KernelPlanner.Count(keysPerVector, "key")} side by side in one.");
            for (int r = 0; r < rows; r++)
            {
                List<string> scores = Enumerable.Range(0, vectors).Select(t => $"s{r}_{t}").ToList();
                string max = Tree("Vec.MaxNative", scores);
                w.Line($"V max{r} = {(keysPerVector > 1 ? $"P.GroupMax({max}, {Int(keysPerVector)})" : max)};");
                for (int t = 0; t < vectors; t++)
                {
                    w.Line($"s{r}_{t} = P.Exp(s{r}_{t} - max{r});");
                }

                w.Open("if (TKeys.Masked)");
                for (int t = 0; t < vectors; t++)
                {
                    w.Line($"s{r}_{t} &= {KeepVector(r, t)};");
                }

                w.Close();
                string sum = Tree("+", scores);
                w.Line($"V inverse{r} = Vec.Create(1f) / {(keysPerVector > 1 ? $"P.GroupSum({sum}, {Int(keysPerVector)})" : sum)};");
                for (int t = 0; t < vectors; t++)
                {
                    w.Line($"s{r}_{t} *= inverse{r};");
                }
            }

            w.Line();
            w.Line("// Weighted sums, two heads a vector: each head's probability over its 8 columns, times the value row's same columns.");
            w.Line("// Accumulators start at −0, the identity of +, so one attended key reproduces its value row bit for bit.");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"ref float o{r} = ref Unsafe.Add(ref o, {RowOffset(r, spec.D)});");
                for (int u = 0; u < pairs; u++)
                {
                    w.Open();
                    w.Line("V a = Vec.Create(-0f);");
                    for (int j = 0; j < spec.Lkv; j++)
                    {
                        w.Open($"if (!TKeys.Masked || Unsafe.Add(ref {KeepInts(r)}, {Int(j)}) != 0)");
                        w.Line($"a = Vec.FusedMultiplyAdd(P.BroadcastHalves(s{r}_{j / keysPerVector}, {Int((keysPerVector * u) + (j % keysPerVector))}), {PairLoad(spec, "v", j, u)}, a);");
                        w.Close();
                    }

                    w.Line($"a.StoreUnsafe(ref o{r}, {Int(16 * u)});");
                    w.Close();
                }
            }

            w.Line();
            w.Open("if (writeWeights)");
            w.Line("// Keys not attended get 0 even in a NaN row (p is 0 there, but 0 · NaN is not).");
            for (int r = 0; r < rows; r++)
            {
                w.Line($"ref float w{r} = ref Unsafe.Add(ref w, {RowOffset(r, spec.Lkv)});");
                for (int j = 0; j < spec.Lkv; j++)
                {
                    int t = j / keysPerVector, m = j % keysPerVector;
                    w.Open();
                    w.Line($"V p = s{r}_{t} & Vec.Create(Unsafe.Add(ref {KeepInts(r)}, {Int(j)})).AsSingle();");
                    for (int h = 0; h < spec.Heads; h++)
                    {
                        int lane = (8 * (h % 2)) + (keysPerVector * (h / 2)) + m;
                        w.Line($"Unsafe.Add(ref w{r}, {Int((h * spec.Lq * spec.Lkv) + j)}) = p.GetElement({Int(lane)});");
                    }

                    w.Close();
                }
            }

            w.Close();
        }
    }
}
