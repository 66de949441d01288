using System.Collections.Generic;
using System.Linq;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// The layer around the attention core: <c>Forward</c> (project Q, K, V; attend; project the output),
        /// <c>ProjectContext</c> (K and V once, for many steps) and <c>Forward</c> on a projected context.
        /// </summary>
        private static void EmitLayer(IndentedWriter w, KernelPlan plan)
        {
            KernelSpec spec = plan.Spec;
            string query = plan.QueryProjection.MethodName, context = plan.ContextProjection.MethodName;

            w.Line("/// <summary>The whole layer on validated arguments (<paramref name=\"batch\"/> ≥ 1).</summary>");
            w.Open($"public static void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, {Weights} weights, Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch)");
            w.Line($"int queryLength = batch * {spec.Lq * spec.D}, keyLength = batch * {spec.Lkv * spec.D};");
            w.Line("using Scratch scratch = new Scratch((2 * queryLength) + (2 * keyLength));");
            w.Line("Span<float> keys = scratch.Span.Slice(2 * queryLength, keyLength), values = scratch.Span.Slice((2 * queryLength) + keyLength, keyLength);");
            w.Line("ProjectKeysAndValues(context, weights, keys, values, batch);");
            w.Line("ForwardCore(queries, keys, values, weights, output, keyMask, attentionWeights, batch, scratch.Span[..queryLength], scratch.Span.Slice(queryLength, queryLength));");
            w.Close();
            w.Line();
            w.Line("/// <summary>The whole layer on a projected context, on validated arguments (<paramref name=\"batch\"/> ≥ 1).</summary>");
            w.Open($"public static void Forward(ReadOnlySpan<float> queries, {Projected} context, {Weights} weights, Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch)");
            w.Line($"int queryLength = batch * {spec.Lq * spec.D};");
            w.Line("using Scratch scratch = new Scratch(2 * queryLength);");
            w.Line("ForwardCore(queries, context.KeyStorage, context.ValueStorage, weights, output, keyMask, attentionWeights, batch, scratch.Span[..queryLength], scratch.Span[queryLength..]);");
            w.Close();
            w.Line();
            w.Line("/// <summary>Projects the keys and values of <paramref name=\"context\"/> into <paramref name=\"into\"/>, on validated arguments.</summary>");
            w.Open($"public static void ProjectContext(ReadOnlySpan<float> context, {Weights} weights, {Projected} into, int batch)");
            w.Line("ProjectKeysAndValues(context, weights, into.KeyStorage, into.ValueStorage, batch);");
            w.Close();
            w.Line();
            w.Open($"private static void ProjectKeysAndValues(ReadOnlySpan<float> context, {Weights} weights, Span<float> keys, Span<float> values, int batch)");
            w.Line($"Project{context}(context, batch * {spec.Lkv}, weights.Wk, weights.Bk, keys);");
            w.Line($"Project{context}(context, batch * {spec.Lkv}, weights.Wv, weights.Bv, values);");
            w.Close();
            w.Line();
            w.Line("/// <summary>Q projection, attention on projected keys and values, output projection (a fully masked row's output is Bo).</summary>");
            w.Open($"private static void ForwardCore(ReadOnlySpan<float> queries, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, {Weights} weights, Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch, Span<float> q, Span<float> attended)");
            w.Line($"Project{query}(queries, batch * {spec.Lq}, weights.Wq, weights.Bq, q);");
            w.Line("Attend(q, keys, values, attended, keyMask, attentionWeights, batch);");
            w.Line($"Project{query}(attended, batch * {spec.Lq}, weights.Wo, weights.Bo, output);");
            w.Close();

            foreach (LinearPlan linear in plan.Projections)
            {
                w.Line();
                EmitLinear(w, linear);
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
            w.Line($"/// y[rows, {plan.Outputs}] = x[rows, {plan.Inputs}] · W[{plan.Outputs}, {plan.Inputs}]ᵀ + b: blocks of {plan.RowBlock} rows × {plan.OutputBlock} outputs");
            w.Line($"/// (then a block of 2 rows, or of 1 row × {plan.SingleRowOutputBlock} outputs, for the rows left over), one accumulator per (row, output)");
            w.Line("/// over the inputs, reduced once.");
            w.Line("/// </summary>");
            w.Open($"private static void {plan.MethodName}(ref float x, int rows, ref float w, ref float b, ref float y)");
            if (plan.TailLanes != 0 && plan.FullChunks > 0)
            {
                w.Line($"Vector256<float> tailMask = {TailMask(plan.TailLanes)};");
            }

            w.Line("int r = 0;");
            w.Open($"for (; r + {plan.RowBlock - 1} < rows; r += {plan.RowBlock})");
            EmitLinearRows(w, plan, plan.RowBlock, plan.OutputBlock);
            w.Close();
            w.Line();
            if (plan.RowBlock > 2)
            {
                w.Open("if (r + 1 < rows)");
                EmitLinearRows(w, plan, 2, plan.OutputBlock);
                w.Line("r += 2;");
                w.Close();
                w.Line();
            }

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
                    w.Line($"Vector256<float> a{r}_{t} = Vector256<float>.Zero;");
                }
            }

            // Whole input vectors from `looped` on are unrolled after the loop; only those are listed (an input can have
            // two billion columns, so the vectors the loop walks are never materialized).
            int looped = 0;
            if (plan.ChunksPerIteration > 0)
            {
                looped = plan.FullChunks / plan.ChunksPerIteration * plan.ChunksPerIteration;
                w.Open($"for (int c = 0; c < {looped * 8}; c += {plan.ChunksPerIteration * 8})");
                foreach (Chunk chunk in Enumerable.Range(0, plan.ChunksPerIteration).Select(x => new Chunk(x * 8, ChunkKind.Full, true)))
                {
                    EmitLinearChunk(w, plan, rows, outputs, chunk);
                }

                w.Close();
            }

            foreach (Chunk chunk in Chunks(plan.Inputs, inLoop: false, firstFull: looped))
            {
                EmitLinearChunk(w, plan, rows, outputs, chunk);
            }

            string reduce = width == 8 ? "Avx2Primitives.Reduce8" : "Avx2Primitives.Reduce4";
            string vector = width == 8 ? "Vector256" : "Vector128";
            string add = width == 8 ? "Avx.Add" : "Sse.Add";
            for (int r = 0; r < rows; r++)
            {
                string sums = $"{reduce}({string.Join(", ", Enumerable.Range(0, width).Select(t => t < outputs ? $"a{r}_{t}" : "Vector256<float>.Zero"))})";
                string row = r == 0 ? "yr" : $"Unsafe.Add(ref yr, {r * plan.Outputs})";
                if (outputs == width)
                {
                    w.Line($"{add}({sums}, {vector}.LoadUnsafe(ref b, (nuint){offset})).StoreUnsafe(ref {row}, (nuint){offset});");
                }
                else
                {
                    w.Open();
                    w.Line($"{vector}<float> sums = {sums};");
                    for (int t = 0; t < outputs; t++)
                    {
                        w.Line($"Unsafe.Add(ref {row}, {offset} + {t}) = sums.GetElement({t}) + Unsafe.Add(ref b, {offset} + {t});");
                    }

                    w.Close();
                }
            }
        }

        /// <summary>One input vector of every row in the block, multiplied into every output's accumulator.</summary>
        private static void EmitLinearChunk(IndentedWriter w, LinearPlan plan, int rows, int outputs, Chunk chunk)
        {
            w.Open();
            for (int r = 0; r < rows; r++)
            {
                w.Line($"Vector256<float> x{r} = {Load(plan.TailLanes, "xr", r * plan.Inputs, chunk, maskTail: true)};");
            }

            for (int t = 0; t < outputs; t++)
            {
                string weight = Load(plan.TailLanes, "wo", t * plan.Inputs, chunk, maskTail: false);
                if (rows == 1)
                {
                    w.Line($"a0_{t} = Fma.MultiplyAdd(x0, {weight}, a0_{t});");
                    continue;
                }

                w.Line($"Vector256<float> w{t} = {weight};");
                for (int r = 0; r < rows; r++)
                {
                    w.Line($"a{r}_{t} = Fma.MultiplyAdd(x{r}, w{t}, a{r}_{t});");
                }
            }

            w.Close();
        }
    }
}
