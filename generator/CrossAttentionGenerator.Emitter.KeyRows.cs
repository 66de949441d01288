using System.Linq;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>Output accumulators a pass of the weighted sum keeps, by the tier's register count (one more register
        /// holds the broadcast weight, one a value vector).</summary>
        private static int KeyRowsAccumulators(KernelPlan plan) => plan.Tier.Registers >= 32 ? 16 : 12;

        /// <summary>
        /// The single query row of every head, key and value rows read in memory order (<see cref="KernelPlan.KeyRows"/>):
        /// per key row one dot product per head, L / 2 rows of two heads to a reduction into the score buffer (row j
        /// holds <c>KeyRowsHeads</c> floats, lane t of every vector of it is head t mod <c>KeyRowsHeads</c>); the softmax over the
        /// flat buffer with the heads' maxima and sums folded across the lanes; the weighted sum over blocks of value rows,
        /// their loads interleaved row by row, every pass of heads over a block while it is in the L1 cache.
        /// </summary>
        private static void EmitKeyRowsKernel(IndentedWriter w, KernelPlan plan)
        {
            KernelSpec spec = plan.Spec;
            int lanes = plan.Lanes, chunks = spec.HeadSize / lanes, heads = spec.Heads, padded = plan.KeyRowsHeads;
            int rowFloats = spec.Lkv * padded, total = (int)plan.KeyRowsScores;
            w.Line("/// <summary>");
            w.Line("/// The query row of every head of one batch item, key and value rows read in order. <paramref name=\"q\"/>, <paramref name=\"o\"/> point at the query row,");
            w.Line($"/// <paramref name=\"k\"/>, <paramref name=\"v\"/> at key row 0 (row stride {Int(spec.KvWidth)}); <paramref name=\"w\"/> at the item's [{Int(heads)}, 1, {Int(spec.Lkv)}] weights;");
            w.Line($"/// <paramref name=\"keep\"/>: −1 for keys attended (at least one), 0 for masked keys; <paramref name=\"scores\"/>: [{Int(spec.Lkv)}, {Int(padded)}] scores of every head (and padding to whole vectors).");
            w.Line("/// </summary>");
            EmitAttendItemSignature(w);
            w.Open();
            w.Line("// TKeys.Masked is a constant to the JIT: a call without a key mask compiles without the mask's loops and branches.");

            // A reduction of L accumulators gives one vector: the scores of L / 2 key rows for two heads, row by row.
            int rows = KeyRowsBlockRows(plan), whole = spec.Lkv / rows * rows;
            w.Line($"// Scores: {Int(rows)} key rows and {Int(KeyRowsBlockHeads)} heads at a time (each query vector loaded once for the rows), one");
            w.Line($"// reduction for them, each row's {Int(KeyRowsBlockHeads)} scores stored in its slots; masked keys −∞ after (their products never reach a score).");
            w.Line($"V scale = Vec.Create({FloatLiteral(spec.ResolvedScale)});");
            int written = (heads + KeyRowsBlockHeads - 1) / KeyRowsBlockHeads * KeyRowsBlockHeads;
            if (written < padded)
            {
                w.Line("// Padding heads past the last pair score 0: the softmax runs over them (never read) and meets no stale value there.");
                w.Open($"for (int j = 0; j < {Int(spec.Lkv)}; j++)");
                for (int h = written; h < padded; h += KeyRowsBlockHeads)
                {
                    w.Line($"Unsafe.As<float, double>(ref Unsafe.Add(ref scores, (j * {Int(padded)}) + {Int(h)})) = 0;");
                }

                w.Close();
            }

            w.Open($"for (int j = 0; j < {Int(whole)}; j += {Int(rows)})");
            w.Line($"ref float kj = ref Unsafe.Add(ref k, j * {Int(spec.KvWidth)});");
            w.Line($"ref float sj = ref Unsafe.Add(ref scores, j * {Int(padded)});");
            EmitKeyRowScores(w, plan, rows, "kj", "sj");
            w.Close();
            if (whole < spec.Lkv)
            {
                w.Open();
                w.Line($"ref float kj = ref Unsafe.Add(ref k, {Int(whole * spec.KvWidth)});");
                w.Line($"ref float sj = ref Unsafe.Add(ref scores, {Int(whole * padded)});");
                EmitKeyRowScores(w, plan, spec.Lkv - whole, "kj", "sj");
                w.Close();
            }

            w.Open("if (TKeys.Masked)");
            w.Open($"for (int j = 0; j < {Int(spec.Lkv)}; j++)");
            w.Open("if (Unsafe.Add(ref keep, j) == 0)");
            for (int h = 0; h < padded; h += 4)
            {
                w.Line($"Vector128.Create(float.NegativeInfinity).StoreUnsafe(ref scores, (nuint)((j * {Int(padded)}) + {Int(h)}));");
            }

            w.Close();
            w.Close();
            w.Close();
            if (total > rowFloats)
            {
                w.Line();
                w.Line("// The buffer's last vector past the last key row: −∞, which the softmax turns into 0.");
                w.Open($"for (int t = {Int(rowFloats)}; t < {Int(total)}; t++)");
                w.Line("Unsafe.Add(ref scores, t) = float.NegativeInfinity;");
                w.Close();
            }

            w.Line();
            w.Line($"// Softmax per head over the flat buffer: lane t of every vector is head t mod {Int(padded)}, so the maxima and sums");
            w.Line($"// run vector by vector and fold across the lanes {Int(padded)} apart at the end.");
            w.Line("V max = Vec.LoadUnsafe(ref scores, 0);");
            w.Open($"for (int t = {Int(lanes)}; t < {Int(total)}; t += {Int(lanes)})");
            w.Line("max = Vec.MaxNative(max, Vec.LoadUnsafe(ref scores, (nuint)t));");
            w.Close();
            EmitLaneFold(w, "max = Vec.MaxNative(max, {0});", "max", lanes, padded);
            w.Line("V sum = V.Zero;");
            w.Open($"for (int t = 0; t < {Int(total)}; t += {Int(lanes)})");
            w.Line("V e = P.Exp(Vec.LoadUnsafe(ref scores, (nuint)t) - max);");
            w.Line("e.StoreUnsafe(ref scores, (nuint)t);");
            w.Line("sum += e;");
            w.Close();
            EmitLaneFold(w, "sum += {0};", "sum", lanes, padded);
            w.Line("V inverse = Vec.Create(1f) / sum;");
            w.Open($"for (int t = 0; t < {Int(total)}; t += {Int(lanes)})");
            w.Line("(Vec.LoadUnsafe(ref scores, (nuint)t) * inverse).StoreUnsafe(ref scores, (nuint)t);");
            w.Close();

            int accumulators = KeyRowsAccumulators(plan), perPass = System.Math.Max(1, accumulators / chunks);
            int passes = (heads + perPass - 1) / perPass;
            w.Line();
            w.Line($"// Weighted sum, {Int(perPass)} head(s) a pass: every output sums its value rows in order, from −0 (the identity of +, so");
            w.Line("// one attended key reproduces its value row bit for bit).");
            int valueRows = KernelPlanner.KeyRowsValueRows(spec, lanes), wholeBlocks = spec.Lkv / valueRows * valueRows;
            if (valueRows == 1)
            {
                w.Line("// Value rows in order, a pass at a time; a masked key's row is never read.");
                EmitMaskedValuePasses(w, plan, perPass, "TKeys.Masked && ");
            }
            else
            {
                w.Open("if (TKeys.Masked)");
                w.Line("// Value rows in order, a pass at a time; a masked key's row is never read.");
                EmitMaskedValuePasses(w, plan, perPass, "");
                w.Close();
                w.Open("else");
                w.Line($"// Blocks of {Int(valueRows)} value rows, their loads interleaved row by row: {Int(valueRows)} streams from the cache at once,");
                if (passes == 1)
                {
                    w.Line("// where a row at a time reads a row's lines one after the other.");
                    EmitValueAccumulators(w, plan, 0, heads, load: false);
                    w.Open($"for (int j = 0; j < {Int(wholeBlocks)}; j += {Int(valueRows)})");
                    EmitValueRows(w, plan, 0, heads, valueRows);
                    w.Close();
                    if (wholeBlocks < spec.Lkv)
                    {
                        w.Open($"for (int j = {Int(wholeBlocks)}; j < {Int(spec.Lkv)}; j++)");
                        EmitValueRows(w, plan, 0, heads, 1);
                        w.Close();
                    }

                    EmitValueStores(w, plan, 0, heads);
                }
                else
                {
                    w.Line("// where a row at a time reads a row's lines one after the other. Every pass of heads takes a block while its rows");
                    w.Line("// are in the L1 cache, the accumulators kept in the output between blocks.");
                    for (int h = 0; h < heads; h++)
                    {
                        for (int c = 0; c < chunks; c++)
                        {
                            w.Line($"Vec.Create(-0f).StoreUnsafe(ref o, {Int((h * spec.HeadSize) + (c * lanes))});");
                        }
                    }

                    w.Open($"for (int j = 0; j < {Int(wholeBlocks)}; j += {Int(valueRows)})");
                    EmitValuePasses(w, plan, perPass, valueRows);
                    w.Close();
                    if (wholeBlocks < spec.Lkv)
                    {
                        w.Open($"for (int j = {Int(wholeBlocks)}; j < {Int(spec.Lkv)}; j++)");
                        EmitValuePasses(w, plan, perPass, 1);
                        w.Close();
                    }
                }

                w.Close();
            }

            w.Line();
            w.Open("if (writeWeights)");
            w.Line("// Keys not attended get 0 even in a NaN row (their e^(−∞ − NaN) is NaN there).");
            w.Open($"for (int j = 0; j < {Int(spec.Lkv)}; j++)");
            w.Line("bool attended = Unsafe.Add(ref keep, j) != 0;");
            w.Line($"ref float pj = ref Unsafe.Add(ref scores, j * {Int(padded)});");
            for (int h = 0; h < heads; h++)
            {
                w.Line($"Unsafe.Add(ref w, {Int(h * spec.Lkv)} + j) = attended ? Unsafe.Add(ref pj, {Int(h)}) : 0f;");
            }

            w.Close();
            w.Close();
            w.Close();
        }

        /// <summary>Every pass of heads over all value rows, a row at a time, skipping the rows <paramref name="skip"/> (a condition
        /// prefix before the keep test; empty when every call that runs the loop may mask keys) says are masked.</summary>
        private static void EmitMaskedValuePasses(IndentedWriter w, KernelPlan plan, int perPass, string skip) =>
            EmitValuePasses(w, plan, perPass, (first, count) =>
            {
                EmitValueAccumulators(w, plan, first, count, load: false);
                w.Open($"for (int j = 0; j < {Int(plan.Spec.Lkv)}; j++)");
                w.Open($"if ({skip}Unsafe.Add(ref keep, j) == 0)");
                w.Line("continue;");
                w.Close();
                w.Line();
                EmitValueRows(w, plan, first, count, 1);
                w.Close();
                EmitValueStores(w, plan, first, count);
            });

        /// <summary>Every pass of heads over the value rows of one block, its accumulators loaded from and stored to the output.</summary>
        private static void EmitValuePasses(IndentedWriter w, KernelPlan plan, int perPass, int rows) =>
            EmitValuePasses(w, plan, perPass, (first, count) =>
            {
                EmitValueAccumulators(w, plan, first, count, load: true);
                EmitValueRows(w, plan, first, count, rows);
                EmitValueStores(w, plan, first, count);
            });

        /// <summary>A block of code per pass of <paramref name="perPass"/> heads: <paramref name="pass"/>(first head, heads).</summary>
        private static void EmitValuePasses(IndentedWriter w, KernelPlan plan, int perPass, System.Action<int, int> pass)
        {
            for (int first = 0; first < plan.Spec.Heads; first += perPass)
            {
                w.Open();
                pass(first, System.Math.Min(perPass, plan.Spec.Heads - first));
                w.Close();
            }
        }

        /// <summary>The accumulators <c>o0…</c> of heads [<paramref name="first"/>, + <paramref name="count"/>): −0, or loaded from the output.</summary>
        private static void EmitValueAccumulators(IndentedWriter w, KernelPlan plan, int first, int count, bool load)
        {
            int chunks = plan.Spec.HeadSize / plan.Lanes;
            for (int a = 0; a < count * chunks; a++)
            {
                int column = ((first + (a / chunks)) * plan.Spec.HeadSize) + (a % chunks * plan.Lanes);
                w.Line(load ? $"V o{a} = Vec.LoadUnsafe(ref o, {Int(column)});" : $"V o{a} = Vec.Create(-0f);");
            }
        }

        /// <summary>The accumulators' stores into the output row.</summary>
        private static void EmitValueStores(IndentedWriter w, KernelPlan plan, int first, int count)
        {
            int chunks = plan.Spec.HeadSize / plan.Lanes;
            for (int a = 0; a < count * chunks; a++)
            {
                w.Line($"o{a}.StoreUnsafe(ref o, {Int(((first + (a / chunks)) * plan.Spec.HeadSize) + (a % chunks * plan.Lanes))});");
            }
        }

        /// <summary>
        /// Value rows <c>j</c> … + <paramref name="rows"/> into the accumulators of heads [<paramref name="first"/>,
        /// + <paramref name="count"/>): per head the rows' weights broadcast, then per head vector one FMA per row, rows in
        /// order (each accumulator sums its rows as a row at a time would), so consecutive loads read different rows.
        /// </summary>
        private static void EmitValueRows(IndentedWriter w, KernelPlan plan, int first, int count, int rows)
        {
            KernelSpec spec = plan.Spec;
            int lanes = plan.Lanes, chunks = spec.HeadSize / lanes, padded = plan.KeyRowsHeads;
            w.Line($"ref float vj = ref Unsafe.Add(ref v, j * {Int(spec.KvWidth)});");
            w.Line($"ref float pj = ref Unsafe.Add(ref scores, j * {Int(padded)});");
            for (int h = first; h < first + count; h++)
            {
                for (int r = 0; r < rows; r++)
                {
                    w.Line($"{(h == first ? "V " : "")}p{r} = Vec.Create(Unsafe.Add(ref pj, {Int((r * padded) + h)}));");
                }

                for (int c = 0; c < chunks; c++)
                {
                    int a = ((h - first) * chunks) + c;
                    for (int r = 0; r < rows; r++)
                    {
                        // Query head h reads key/value head h / GroupSize.
                        w.Line($"o{a} = Vec.FusedMultiplyAdd(p{r}, Vec.LoadUnsafe(ref vj, {Int((r * spec.KvWidth) + (h / spec.GroupSize * spec.HeadSize) + (c * lanes))}), o{a});");
                    }
                }
            }
        }

        /// <summary>Heads a score block takes: two, so a row's pair of scores is one 8-byte store.</summary>
        private const int KeyRowsBlockHeads = 2;

        /// <summary>
        /// Key rows a score block takes: L / <see cref="KeyRowsBlockHeads"/>, one reduction's worth. Each query vector then
        /// feeds that many FMAs — a load per FMA and one per L / 2 of them, where all heads of L / <c>KeyRowsHeads</c> rows took
        /// a query load per two or four FMAs (decode at 512 bits: 1,152 loads for the scores instead of 1,536).
        /// </summary>
        private static int KeyRowsBlockRows(KernelPlan plan) => plan.Lanes / KeyRowsBlockHeads;

        /// <summary>
        /// The scores of <paramref name="count"/> consecutive key rows, the first at <paramref name="keyRow"/> (its scores at
        /// <paramref name="scoreRow"/>), a pair of heads at a time: accumulator r · 2 + hh is row r's head 2g + hh, zero for a
        /// head past the last (an odd count's pair stores its zero into a padding slot) and for rows past
        /// <paramref name="count"/>; lanes 2r, 2r + 1 of the reduction are row r's pair.
        /// </summary>
        private static void EmitKeyRowScores(IndentedWriter w, KernelPlan plan, int count, string keyRow, string scoreRow)
        {
            KernelSpec spec = plan.Spec;
            int lanes = plan.Lanes, chunks = spec.HeadSize / lanes, padded = plan.KeyRowsHeads;
            bool declared = false;
            for (int g = 0; g < spec.Heads; g += KeyRowsBlockHeads)
            {
                w.Open();
                int pair = System.Math.Min(KeyRowsBlockHeads, spec.Heads - g);
                for (int hh = 0; hh < pair; hh++)
                {
                    int h = g + hh;
                    for (int c = 0; c < chunks; c++)
                    {
                        w.Line($"{(declared ? "" : "V ")}x = Vec.LoadUnsafe(ref q, {Int((h * spec.HeadSize) + (c * lanes))});");
                        declared = true;
                        for (int r = 0; r < count; r++)
                        {
                            // Query head h reads key/value head h / GroupSize.
                            int a = (r * KeyRowsBlockHeads) + hh;
                            string key = $"Vec.LoadUnsafe(ref {keyRow}, {Int((r * spec.KvWidth) + (h / spec.GroupSize * spec.HeadSize) + (c * lanes))})";
                            w.Line(c == 0 ? $"V a{a} = x * {key};" : $"a{a} = Vec.FusedMultiplyAdd(x, {key}, a{a});");
                        }
                    }
                }

                declared = false;
                string arguments = string.Join(", ", Enumerable.Range(0, lanes).Select(a => a / KeyRowsBlockHeads < count && a % KeyRowsBlockHeads < pair ? $"a{a}" : "V.Zero"));
                w.Line($"Vector{lanes * 32}<double> s = (P.Reduce({arguments}) * scale).AsDouble();");
                for (int r = 0; r < count; r++)
                {
                    w.Line($"Unsafe.As<float, double>(ref Unsafe.Add(ref {scoreRow}, {Int((r * padded) + g)})) = s.GetElement({Int(r)});");
                }

                w.Close();
            }
        }

        /// <summary>
        /// Folds a vector whose lanes repeat every <paramref name="period"/> lanes: each step combines it with itself
        /// rotated by half the span left, until every lane holds the combination of its head's lanes.
        /// </summary>
        private static void EmitLaneFold(IndentedWriter w, string statement, string variable, int lanes, int period)
        {
            for (int span = lanes / 2; span >= period; span /= 2)
            {
                string indices = string.Join(", ", Enumerable.Range(0, lanes).Select(t => Int((t + span) % lanes)));
                w.Line(string.Format(System.Globalization.CultureInfo.InvariantCulture, statement, $"Vec.Shuffle({variable}, Vec.Create({indices}))"));
            }
        }
    }
}
