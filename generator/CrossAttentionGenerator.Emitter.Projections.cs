using System.Collections.Generic;
using System.Linq;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>A projection entry of the tier: the generated projection for narrow inputs, else the runtime's.</summary>
        private static void EmitProjectionEntry(IndentedWriter w, string name, LinearPlan plan, string what)
        {
            w.Line($"/// <summary><c>y = x·Wᵀ + b</c> from {what}.</summary>");
            w.Line($"public static void {name}(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>");
            w.Line($"    {(plan.Generated ? "Project" + plan.MethodName : "P.Project")}(x, rows, w, b, y);");
        }

        /// <summary>
        /// The key and value projections of the same context rows: the generated projection twice, or the runtime's
        /// kernel of the tier for both (it packs the rows once for the two).
        /// </summary>
        private static void EmitKeyValueProjection(IndentedWriter w, LinearPlan plan, string what)
        {
            w.Line($"/// <summary><c>keys = x·Wkᵀ + bk</c>, <c>values = x·Wvᵀ + bv</c> from {what}.</summary>");
            w.Line("public static void ProjectKeysAndValues(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> wk, ReadOnlySpan<float> bk, Span<float> keys,");
            w.Line("                                        ReadOnlySpan<float> wv, ReadOnlySpan<float> bv, Span<float> values)");
            if (plan.Generated)
            {
                w.Open();
                w.Line($"Project{plan.MethodName}(x, rows, wk, bk, keys);");
                w.Line($"Project{plan.MethodName}(x, rows, wv, bv, values);");
                w.Close();
            }
            else
            {
                w.Line("    => P.ProjectPair(x, rows, wk, bk, keys, wv, bv, values);");
            }
        }

        /// <summary><c>y = x·Wᵀ + b</c> for one fixed (inputs, outputs) pair: the entry that splits rows over threads
        /// when asked and worth it, and the register-blocked body.</summary>
        private static void EmitLinear(IndentedWriter w, LinearPlan plan)
        {
            string name = plan.MethodName;
            int block = plan.RowBlock;
            w.Open($"private static void Project{name}(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)");
            w.Open($"if (KernelParallel.ShouldSplit((rows + {block - 1}) / {block}, 2L * rows * {plan.Inputs * plan.Outputs}))");
            w.Line($"KernelParallel.For<{name}Work>((rows + {block - 1}) / {block}, x, w, b, y, default, default, rows);");
            w.Close();
            w.Open("else");
            w.Line($"{name}(ref MemoryMarshal.GetReference(x), rows, ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(b), ref MemoryMarshal.GetReference(y));");
            w.Close();
            w.Close();
            w.Line();
            w.Line($"/// <summary>Row blocks [start, end) of a projection on one thread (<c>spans.Count</c> = rows).</summary>");
            w.Open($"private readonly struct {name}Work : IKernelWork");
            w.Open("public static void Run(in KernelSpans spans, int start, int end)");
            w.Line($"int first = {block} * start, last = Math.Min({block} * end, spans.Count);");
            w.Line($"{name}(ref Unsafe.Add(ref MemoryMarshal.GetReference(spans.A), first * {plan.Inputs}), last - first, ref MemoryMarshal.GetReference(spans.B), ref MemoryMarshal.GetReference(spans.C), ref Unsafe.Add(ref MemoryMarshal.GetReference(spans.D), first * {plan.Outputs}));");
            w.Close();
            w.Close();
            w.Line();
            w.Line("/// <summary>");
            w.Line($"/// y[rows, {plan.Outputs}] = x[rows, {plan.Inputs}] · W[{plan.Outputs}, {plan.Inputs}]ᵀ + b: blocks of {plan.RowBlock} rows × {LinearPlan.OutputBlock} outputs");
            w.Line($"/// (then a block of 2 rows × {plan.PairOutputBlock} outputs and one of 1 row × {plan.SingleRowOutputBlock} for the rows left over), one accumulator per");
            w.Line("/// (row, output) over the inputs, reduced once.");
            w.Line("/// </summary>");
            w.Open($"private static void {plan.MethodName}(ref float x, int rows, ref float w, ref float b, ref float y)");
            if (plan.TailLanes != 0 && plan.FullChunks > 0)
            {
                w.Line($"V tailMask = {TailMask(plan.TailLanes, plan.Lanes)};");
            }

            w.Line("int r = 0;");
            w.Open($"for (; r + {plan.RowBlock - 1} < rows; r += {plan.RowBlock})");
            EmitLinearRows(w, plan, plan.RowBlock, LinearPlan.OutputBlock);
            w.Close();
            w.Line();
            // At most RowBlock - 1 ≤ 3 rows are left: a pair, then a single row.
            w.Open("if (r + 1 < rows)");
            EmitLinearRows(w, plan, 2, plan.PairOutputBlock);
            w.Line("r += 2;");
            w.Close();
            w.Line();
            w.Open("if (r < rows)");
            EmitLinearRows(w, plan, 1, plan.SingleRowOutputBlock);
            w.Close();
            w.Close();
        }

        private static void EmitLinearRows(IndentedWriter w, LinearPlan plan, int rows, int block)
        {
            w.Line($"ref float xr = ref Unsafe.Add(ref x, r * {plan.Inputs});");
            w.Line($"ref float yr = ref Unsafe.Add(ref y, r * {plan.Outputs});");
            int whole = plan.Outputs / block * block;
            if (whole > 0)
            {
                w.Open($"for (int o = 0; o < {whole}; o += {block})");
                w.Line($"ref float wo = ref Unsafe.Add(ref w, o * {plan.Inputs});");
                EmitLinearBlock(w, plan, rows, block, block, "o");
                w.Close();
            }

            if (plan.Outputs > whole)
            {
                w.Open();
                w.Line($"ref float wo = ref Unsafe.Add(ref w, {whole * plan.Inputs});");
                EmitLinearBlock(w, plan, rows, plan.Outputs - whole, block, Int(whole));
                w.Close();
            }
        }

        /// <summary>One register block: <paramref name="rows"/> × <paramref name="outputs"/> accumulators (of a block
        /// <paramref name="width"/> wide), at output offset <paramref name="offset"/>.</summary>
        private static void EmitLinearBlock(IndentedWriter w, LinearPlan plan, int rows, int outputs, int width, string offset)
        {
            for (int r = 0; r < rows; r++)
            {
                for (int t = 0; t < outputs; t++)
                {
                    w.Line($"V a{r}_{t} = V.Zero;");
                }
            }

            // Whole input vectors in a loop of a few a turn (offsets from the loop variable c), the rest unrolled after it.
            int looped = plan.LoopedChunks;
            if (looped > 0)
            {
                // References advanced to the turn's column, so every load is at a constant offset from one of them.
                w.Open($"for (int c = 0; c < {looped * plan.Lanes}; c += {LinearPlan.ChunksPerIteration * plan.Lanes})");
                w.Line("ref float xc = ref Unsafe.Add(ref xr, c);");
                w.Line("ref float wc = ref Unsafe.Add(ref wo, c);");
                foreach (Chunk chunk in Chunks(LinearPlan.ChunksPerIteration * plan.Lanes, plan.Lanes, inLoop: false))
                {
                    EmitLinearChunk(w, plan, rows, outputs, chunk, "xc", "wc");
                }

                w.Close();
            }

            foreach (Chunk chunk in Chunks(plan.Inputs, plan.Lanes, inLoop: false, firstFull: looped))
            {
                EmitLinearChunk(w, plan, rows, outputs, chunk);
            }

            // A block as wide as a vector reduces to one vector of sums; a block of 4 outputs, to a Vector128; of 8 (of
            // 16 lanes), to a Vector256.
            (string reduce, string vector, string type) = width == plan.Lanes ? ("P.Reduce", "Vec", "V")
                : width == 4 ? ("P.Reduce4", "Vector128", "Vector128<float>")
                : ("P.Reduce8", "Vector256", "Vector256<float>");
            for (int r = 0; r < rows; r++)
            {
                string sums = $"{reduce}({ReduceArguments($"a{r}_", outputs, width)})";
                string row = r == 0 ? "yr" : $"Unsafe.Add(ref yr, {r * plan.Outputs})";
                if (outputs == width)
                {
                    w.Line($"({sums} + {vector}.LoadUnsafe(ref b, (nuint){offset})).StoreUnsafe(ref {row}, (nuint){offset});");
                }
                else
                {
                    w.Open();
                    w.Line($"{type} sums = {sums};");
                    for (int t = 0; t < outputs; t++)
                    {
                        w.Line($"Unsafe.Add(ref {row}, {offset} + {t}) = sums.GetElement({t}) + Unsafe.Add(ref b, {offset} + {t});");
                    }

                    w.Close();
                }
            }
        }

        /// <summary>One input vector of every row in the block, multiplied into every output's accumulator.</summary>
        private static void EmitLinearChunk(IndentedWriter w, LinearPlan plan, int rows, int outputs, Chunk chunk, string x = "xr", string weights = "wo")
        {
            w.Open();
            for (int r = 0; r < rows; r++)
            {
                w.Line($"V x{r} = {Load(plan.Lanes, plan.TailLanes, x, r * plan.Inputs, chunk, maskTail: true)};");
            }

            for (int t = 0; t < outputs; t++)
            {
                string weight = Load(plan.Lanes, plan.TailLanes, weights, t * plan.Inputs, chunk, maskTail: false);
                if (rows == 1)
                {
                    w.Line($"a0_{t} = Vec.FusedMultiplyAdd(x0, {weight}, a0_{t});");
                    continue;
                }

                w.Line($"V w{t} = {weight};");
                for (int r = 0; r < rows; r++)
                {
                    w.Line($"a{r}_{t} = Vec.FusedMultiplyAdd(x{r}, w{t}, a{r}_{t});");
                }
            }

            w.Close();
        }
    }
}
