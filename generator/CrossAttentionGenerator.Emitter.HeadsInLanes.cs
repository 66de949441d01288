using System.Linq;
using System.Threading;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// The heads-in-lanes loop: one item per batch item; a batch item whose keys are all masked gets zeros.
        /// </summary>
        private static void EmitHeadsInLanesRun(IndentedWriter w, KernelPlan plan, string parameters)
        {
            KernelSpec spec = plan.Spec;
            w.Open($"private static void Run({parameters}, int start, int end, Span<int> keep, Span<float> scores)");
            w.Line("bool writeWeights = !attentionWeights.IsEmpty;");
            w.Open("for (int b = start; b < end; b++)");
            // The weights offset only where weights are written: without them it is not bounded by any span (and a project
            // compiled with overflow checks would throw on it).
            w.Line($"int rows = b * {spec.Lq * spec.D}, keys = b * {spec.Lkv * spec.D}, weights = writeWeights ? b * {spec.Heads * spec.Lq * spec.Lkv} : 0;");
            w.Open($"if (Avx2Primitives.FillKeep(keep, keyMask.IsEmpty ? default : keyMask.Slice(b * {spec.Lkv}, {spec.Lkv}), {spec.Lkv}) == 0)");
            w.Line("// Every key of this batch item is masked: its output and weights are zeros.");
            w.Line($"output.Slice(rows, {spec.Lq * spec.D}).Clear();");
            w.Open("if (writeWeights)");
            w.Line($"attentionWeights.Slice(weights, {spec.Heads * spec.Lq * spec.Lkv}).Clear();");
            w.Close();
            w.Line("continue;");
            w.Close();
            w.Line();
            w.Line("AttendHeads(");
            w.Line("    ref Unsafe.Add(ref MemoryMarshal.GetReference(q), rows), ref Unsafe.Add(ref MemoryMarshal.GetReference(k), keys),");
            w.Line("    ref Unsafe.Add(ref MemoryMarshal.GetReference(v), keys), ref Unsafe.Add(ref MemoryMarshal.GetReference(output), rows),");
            w.Line("    ref writeWeights ? ref Unsafe.Add(ref MemoryMarshal.GetReference(attentionWeights), weights) : ref MemoryMarshal.GetReference(scores),");
            w.Line("    writeWeights, ref MemoryMarshal.GetReference(keep));");
            w.Close();
            w.Close();
        }

        /// <summary>
        /// Every head of one batch item at once: lane h of a score vector is head h's score, so the max, the
        /// exponential and the normalization of a softmax step are one vector operation for all heads.
        /// </summary>
        private static void EmitHeadsInLanesKernel(IndentedWriter w, KernelPlan plan, CancellationToken cancellationToken)
        {
            KernelSpec spec = plan.Spec;
            w.Line("/// <summary>");
            w.Line("/// All heads of one batch item, heads in the vector lanes. <paramref name=\"q\"/>, <paramref name=\"o\"/> point at query row 0,");
            w.Line($"/// <paramref name=\"k\"/>, <paramref name=\"v\"/> at key row 0 (row stride {spec.D}); <paramref name=\"w\"/> at the item's [{spec.Heads}, {spec.Lq}, {spec.Lkv}] weights;");
            w.Line("/// <paramref name=\"keep\"/>: −1 for keys attended (at least one), 0 for masked keys.");
            w.Line("/// </summary>");
            w.Open("private static void AttendHeads(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep)");
            w.Line($"Vector256<float> scale = Vector256.Create({FloatLiteral(spec.ResolvedScale)});");
            w.Line("Vector256<float> negativeInfinity = Vector256.Create(float.NegativeInfinity);");
            EmitQueryRows(w, plan, EmitHeadsInLanesRow, cancellationToken);
            w.Close();
        }

        private static void EmitHeadsInLanesRow(IndentedWriter w, KernelPlan plan, string rowOffset, string weightsOffset)
        {
            KernelSpec spec = plan.Spec;
            int chunks = spec.HeadSize / 8, heads = spec.Heads, keys = spec.Lkv;
            w.Line($"ref float qi = ref Unsafe.Add(ref q, {rowOffset});");
            w.Line($"ref float oi = ref Unsafe.Add(ref o, {rowOffset});");
            w.Line();
            w.Line("// Scores: per key one vector, lane h = scale · (q_h · k_h); masked keys −∞ (selected, never multiplied).");
            for (int j = 0; j < keys; j++)
            {
                w.Line($"Vector256<float> s{j};");
                w.Open();
                for (int h = 0; h < heads; h++)
                {
                    for (int c = 0; c < chunks; c++)
                    {
                        int column = (h * spec.HeadSize) + (c * 8);
                        string product = $"Vector256.LoadUnsafe(ref qi, {column}), Vector256.LoadUnsafe(ref k, {(j * spec.D) + column})";
                        w.Line(c == 0
                            ? $"Vector256<float> a{h} = Avx.Multiply({product});"
                            : $"a{h} = Fma.MultiplyAdd({product}, a{h});");
                    }
                }

                string reduced = string.Join(", ", Enumerable.Range(0, 8).Select(h => h < heads ? $"a{h}" : "Vector256<float>.Zero"));
                w.Line($"s{j} = Avx.Multiply(Avx2Primitives.Reduce8({reduced}), scale);");
                w.Line($"s{j} = Avx.BlendVariable(negativeInfinity, s{j}, Vector256.Create(Unsafe.Add(ref keep, {j})).AsSingle());");
                w.Close();
            }

            w.Line();
            w.Line("// Softmax over the keys, every head at once; p_j = e^(s_j − max) / Σ e^(s − max).");
            w.Line($"Vector256<float> max = {Tree("Avx.Max", Enumerable.Range(0, keys).Select(j => $"s{j}").ToList())};");
            for (int j = 0; j < keys; j++)
            {
                w.Line($"Vector256<float> p{j} = Avx.And(Avx2Primitives.Exp(Avx.Subtract(s{j}, max)), Vector256.Create(Unsafe.Add(ref keep, {j})).AsSingle());");
            }

            w.Line($"Vector256<float> inverse = Avx.Divide(Vector256.Create(1f), {Tree("Avx.Add", Enumerable.Range(0, keys).Select(j => $"p{j}").ToList())});");
            for (int j = 0; j < keys; j++)
            {
                w.Line($"p{j} = Avx.Multiply(p{j}, inverse);");
            }

            w.Line();
            w.Line("// Weighted sum of value rows, per head: lane h of p_j broadcast over the head's columns. Accumulators start");
            w.Line("// at −0, the identity of +, so one attended key reproduces its value row bit for bit.");
            for (int h = 0; h < heads; h++)
            {
                w.Open();
                w.Line($"Vector256<int> lane = Vector256.Create({h});");
                for (int c = 0; c < chunks; c++)
                {
                    w.Line($"Vector256<float> o{c} = Vector256.Create(-0f);");
                }

                for (int j = 0; j < keys; j++)
                {
                    w.Open($"if (Unsafe.Add(ref keep, {j}) != 0)");
                    w.Line($"Vector256<float> p = Avx2.PermuteVar8x32(p{j}, lane);");
                    for (int c = 0; c < chunks; c++)
                    {
                        w.Line($"o{c} = Fma.MultiplyAdd(p, Vector256.LoadUnsafe(ref v, {(j * spec.D) + (h * spec.HeadSize) + (c * 8)}), o{c});");
                    }

                    w.Close();
                }

                for (int c = 0; c < chunks; c++)
                {
                    w.Line($"o{c}.StoreUnsafe(ref oi, {(h * spec.HeadSize) + (c * 8)});");
                }

                w.Close();
            }

            w.Line();
            w.Open("if (writeWeights)");
            w.Line($"ref float wi = ref Unsafe.Add(ref w, {weightsOffset});");
            for (int j = 0; j < keys; j++)
            {
                for (int h = 0; h < heads; h++)
                {
                    w.Line($"Unsafe.Add(ref wi, {(h * spec.Lq * spec.Lkv) + j}) = p{j}.GetElement({h});");
                }
            }

            w.Close();
        }
    }
}
