using System;
using System.Collections.Generic;
using System.Linq;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// Every kernel generated in this project, on every path (specialized, generic vector, generic scalar), against the
/// float64 reference, within SPEC §6 bounds.
/// </summary>
public sealed class NumericsTests
{
    public static TheoryDataNames Names => TestKernels.Names;

    /// <summary>The implementations of one shape: the generated kernel, its other tiers and both generic paths.</summary>
    private static IEnumerable<(string Path, ICrossAttention Kernel)> Implementations(string name) => TestKernels.Implementations(name);

    [Fact]
    public void Generated_kernels_take_the_widest_tier_the_CPU_accelerates()
    {
        foreach ((string name, ICrossAttention kernel) in TestKernels.All)
        {
            KernelPath expected = GenericCrossAttention.DefaultPath;
            foreach ((KernelPath tier, _) in TestKernels.Tiers(kernel.Shape))
            {
                if (TestKernels.Accelerated(tier) && !CrossAttentionKernels.ForceGeneric)
                {
                    expected = tier;
                    break;
                }
            }

            Assert.True(expected == kernel.Path, $"{name}: expected {expected}, runs {kernel.Path}");
        }
    }

    [Fact]
    public void A_tier_is_generated_when_the_attention_or_the_projections_fill_its_vectors_and_the_128_bit_tier_always()
    {
        foreach ((string name, ICrossAttention kernel) in TestKernels.All)
        {
            int headSize = kernel.Shape.HeadSize;
            var expected = new List<KernelPath>();
            if (TierRule.Fills(kernel.Shape, 16))
            {
                expected.Add(KernelPath.Specialized512);
            }

            if (TierRule.Fills(kernel.Shape, 8))
            {
                expected.Add(KernelPath.Specialized256);
            }

            expected.Add(KernelPath.Specialized128);
            Assert.True(expected.SequenceEqual(TestKernels.Tiers(kernel.Shape).Select(t => t.Tier)),
                        $"{name} (head size {headSize}): {string.Join(", ", TestKernels.Tiers(kernel.Shape).Select(t => t.Tier))}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Matches_the_float64_reference_with_and_without_mask_and_weights(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        foreach (int batch in new[] { 1, 3 })
        {
            var random = new Random(HashCode.Combine(name.Length, batch, shape.D));
            float[] q = Data.Uniform(random, batch * shape.QueryLength);
            float[] k = Data.Uniform(random, batch * shape.KeyValueLength);
            float[] v = Data.Uniform(random, batch * shape.KeyValueLength);
            foreach (bool[]? mask in new[] { null, Data.Mask(random, batch, shape.Lkv) })
            {
                Reference.Result expected = Reference.Attend(shape, q, k, v, mask);
                foreach ((string path, ICrossAttention kernel) in Implementations(name))
                {
                    string what = $"{name} {path}, batch {batch}, {(mask is null ? "no mask" : "masked")}";
                    var output = new float[q.Length];
                    var weights = new float[batch * shape.WeightsLength];
                    kernel.Attend(q, k, v, output, mask, weights);
                    Tolerance.Close(expected.Output, output, what + ": output");
                    Tolerance.Close(expected.Weights, weights, what + ": weights");

                    var withoutWeights = new float[q.Length];
                    if (mask is null)
                    {
                        kernel.Attend(q, k, v, withoutWeights);
                    }
                    else
                    {
                        kernel.Attend(q, k, v, withoutWeights, mask, default);
                    }

                    Assert.Equal(output, withoutWeights); // asking for weights changes nothing else
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Generated_and_generic_agree(string name)
    {
        ICrossAttention generated = TestKernels.Get(name);
        CrossAttentionShape shape = generated.Shape;
        var random = new Random(7);
        float[] q = Data.Uniform(random, 2 * shape.QueryLength);
        float[] k = Data.Uniform(random, 2 * shape.KeyValueLength);
        float[] v = Data.Uniform(random, 2 * shape.KeyValueLength);
        bool[] mask = Data.Mask(random, 2, shape.Lkv);

        var fast = new float[q.Length];
        var fastWeights = new float[2 * shape.WeightsLength];
        var slow = new float[q.Length];
        var slowWeights = new float[2 * shape.WeightsLength];
        generated.Attend(q, k, v, fast, mask, fastWeights);
        new GenericCrossAttention(shape).Attend(q, k, v, slow, mask, slowWeights);
        Tolerance.Close(slow, fast, $"{name}: output, generated vs generic");
        Tolerance.Close(slowWeights, fastWeights, $"{name}: weights, generated vs generic");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void NaN_and_infinity_in_masked_keys_never_reach_the_output(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        if (shape.Lkv < 2)
        {
            return; // a masked key needs another key to attend
        }

        var random = new Random(11);
        float[] q = Data.Uniform(random, shape.QueryLength);
        float[] k = Data.Uniform(random, shape.KeyValueLength);
        float[] v = Data.Uniform(random, shape.KeyValueLength);
        var mask = new bool[shape.Lkv];
        for (int j = 0; j < shape.Lkv; j++)
        {
            mask[j] = j % 2 == 0;
        }

        Reference.Result expected = Reference.Attend(shape, q, k, v, mask);
        for (int j = 1; j < shape.Lkv; j += 2)
        {
            Array.Fill(k, float.NaN, j * shape.KeyValueWidth, shape.KeyValueWidth);
            Array.Fill(v, j % 4 == 1 ? float.PositiveInfinity : float.NaN, j * shape.KeyValueWidth, shape.KeyValueWidth);
        }

        foreach ((string path, ICrossAttention kernel) in Implementations(name))
        {
            var output = new float[q.Length];
            var weights = new float[shape.WeightsLength];
            kernel.Attend(q, k, v, output, mask, weights);
            Tolerance.Close(expected.Output, output, $"{name} {path}: output");
            Tolerance.Close(expected.Weights, weights, $"{name} {path}: weights");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_fully_masked_row_gives_zeros(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        var random = new Random(13);
        float[] q = Data.Uniform(random, 2 * shape.QueryLength);
        float[] k = Data.Uniform(random, 2 * shape.KeyValueLength);
        float[] v = Data.Uniform(random, 2 * shape.KeyValueLength);
        bool[] mask = Data.Mask(random, 2, shape.Lkv, fullyMaskedItem: 1);
        Reference.Result expected = Reference.Attend(shape, q, k, v, mask);

        foreach ((string path, ICrossAttention kernel) in Implementations(name))
        {
            float[] output = Data.Filled(q.Length, 42f);          // stale values must be overwritten
            float[] weights = Data.Filled(2 * shape.WeightsLength, 42f);
            kernel.Attend(q, k, v, output, mask, weights);
            Assert.All(output.AsSpan(shape.QueryLength).ToArray(), x => Assert.Equal(0f, x));
            Assert.All(weights.AsSpan(shape.WeightsLength).ToArray(), x => Assert.Equal(0f, x));
            Tolerance.Close(expected.Output, output, $"{name} {path}: output");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Logits_of_ten_thousand_stay_finite_and_correct(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        var random = new Random(17);

        // Inputs × 100 (SPEC §6): q·k reaches ±1e4 · scale · √dh, far past exp's range without the max subtraction.
        float[] q = Data.Uniform(random, shape.QueryLength, 100f);
        float[] k = Data.Uniform(random, shape.KeyValueLength, 100f);
        float[] v = Data.Uniform(random, shape.KeyValueLength);
        Reference.Result expected = Reference.Attend(shape, q, k, v, null);

        // Each float32 logit carries ≈ |logit|·2⁻²³ of error (a few ulps of the products summed); a probability moves by
        // about that much relative, an output row by that much absolute.
        double PerRow(int element, int rowLength) => 1e-5 + (8 * expected.MaxAbsLogit[element / rowLength] * Math.Pow(2, -23));

        foreach ((string path, ICrossAttention kernel) in Implementations(name))
        {
            var output = new float[q.Length];
            var weights = new float[shape.WeightsLength];
            kernel.Attend(q, k, v, output, default, weights);
            Assert.All(output, x => Assert.True(float.IsFinite(x), $"{path}: {x} is not finite"));
            Assert.All(weights, x => Assert.True(float.IsFinite(x), $"{path}: {x} is not finite"));
            Tolerance.Close(expected.Weights, weights, $"{name} {path}: weights", i => PerRow(i, shape.Lkv));
            Tolerance.Close(expected.Output, output, $"{name} {path}: output", i =>
            {
                // output element (i) belongs to query row i / D, head (i % D) / dh
                int row = i / shape.D, head = (i % shape.D) / shape.HeadSize;
                return 1e-5 + (8 * expected.MaxAbsLogit[(head * shape.Lq) + row] * Math.Pow(2, -23));
            });
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Masked_keys_and_padding_lanes_stay_out_when_every_attended_logit_is_below_exps_range(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        var random = new Random(29);

        // Every logit near −300 (q all 1, each key row 1 ± 1% scaled so the row's logits sum to about −300): e^logit
        // is 0 in float, so only a softmax that subtracts the maximum of the attended scores works. A masked key or a
        // padding lane scored 0 instead of −∞ would become that maximum, and every attended weight would underflow to 0.
        const int Batch = 2;
        float[] q = Data.Filled(Batch * shape.QueryLength, 1f);
        float[] k = Data.Uniform(random, Batch * shape.KeyValueLength);
        float factor = (float)(-300.0 / (shape.HeadSize * shape.Scale));
        for (int i = 0; i < k.Length; i++)
        {
            k[i] = (1f + (0.01f * k[i])) * factor;
        }

        float[] v = Data.Uniform(random, Batch * shape.KeyValueLength);
        bool[] mask = Data.Mask(random, Batch, shape.Lkv);
        mask[0] = false;                 // the first key of item 0 masked, and the last key of item 1 (key tails)
        mask[(2 * shape.Lkv) - 1] = false;
        mask[1 % shape.Lkv] = true;      // each item keeps an attended key
        mask[shape.Lkv + ((shape.Lkv - 2 + shape.Lkv) % shape.Lkv)] = true;
        Reference.Result expected = Reference.Attend(shape, q, k, v, mask);
        // Rows with an attended key (a causal row may see only masked ones) all have their logits far below −87.
        Assert.All(expected.MaxAbsLogit, logit => Assert.True(logit == 0 || logit > 200, $"the test needs logits far below −87, got |max| {logit}"));
        Assert.Contains(expected.MaxAbsLogit, logit => logit > 200);

        double PerRow(int element, int rowLength) => 1e-5 + (8 * expected.MaxAbsLogit[element / rowLength] * Math.Pow(2, -23));
        foreach ((string path, ICrossAttention kernel) in Implementations(name))
        {
            var output = new float[q.Length];
            var weights = new float[Batch * shape.WeightsLength];
            kernel.Attend(q, k, v, output, mask, weights);
            Tolerance.Close(expected.Weights, weights, $"{name} {path}: weights", i => PerRow(i, shape.Lkv));
            Tolerance.Close(expected.Output, output, $"{name} {path}: output", i =>
            {
                // output element i: batch item b, query row r, head h; MaxAbsLogit is laid out [B, Heads, Lq]
                int b = i / shape.QueryLength, r = i % shape.QueryLength / shape.D, head = i % shape.D / shape.HeadSize;
                return 1e-5 + (8 * expected.MaxAbsLogit[(((b * shape.Heads) + head) * shape.Lq) + r] * Math.Pow(2, -23));
            });
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void NaN_in_an_attended_query_gives_NaN_where_the_reference_does(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        var random = new Random(19);
        float[] q = Data.Uniform(random, shape.QueryLength);
        float[] k = Data.Uniform(random, shape.KeyValueLength);
        float[] v = Data.Uniform(random, shape.KeyValueLength);
        q[0] = float.NaN; // query row 0, head 0

        // With and without masked keys: a NaN row's weights are NaN where keys are attended and 0 where they are not.
        bool[] mask = Data.Mask(random, 1, shape.Lkv);
        mask[^1] = true;
        foreach (bool[]? keyMask in new[] { null, mask })
        {
            Reference.Result expected = Reference.Attend(shape, q, k, v, keyMask);
            foreach ((string path, ICrossAttention kernel) in Implementations(name))
            {
                var output = new float[q.Length];
                var weights = new float[shape.WeightsLength];
                kernel.Attend(q, k, v, output, keyMask, weights);
                // (With the mask a causal row 0 may have no key left: zeros, as the reference says, not NaN.)
                Assert.True(keyMask is not null || float.IsNaN(output[0]), $"{path}: the poisoned row should be NaN");
                Tolerance.Close(expected.Output, output, $"{name} {path}, {(keyMask is null ? "no mask" : "masked")}: output");
                Tolerance.Close(expected.Weights, weights, $"{name} {path}, {(keyMask is null ? "no mask" : "masked")}: weights");
            }
        }
    }

    [Fact]
    public void One_key_reproduces_its_value_row_bit_for_bit()
    {
        CrossAttentionShape shape = SingleKey.Shape;
        var random = new Random(23);
        float[] q = Data.Uniform(random, 3 * shape.QueryLength);
        float[] k = Data.Uniform(random, 3 * shape.KeyValueLength);
        float[] v = Data.Uniform(random, 3 * shape.KeyValueLength);
        v[1] = -0f;
        v[shape.D + 3] = -0f;
        foreach ((string path, ICrossAttention kernel) in Implementations(nameof(SingleKey)))
        {
            var output = new float[q.Length];
            var weights = new float[3 * shape.WeightsLength];
            kernel.Attend(q, k, v, output, default, weights);
            for (int b = 0; b < 3; b++)
            {
                for (int i = 0; i < shape.Lq; i++)
                {
                    for (int c = 0; c < shape.D; c++)
                    {
                        float expected = v[(b * shape.D) + c], actual = output[(((b * shape.Lq) + i) * shape.D) + c];
                        Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                                    $"{path}: batch {b} row {i} column {c}: expected {expected:R}, got {actual:R}");
                    }
                }
            }

            Assert.All(weights, x => Assert.Equal(1f, x));
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void An_empty_batch_is_a_call_that_does_nothing(string name)
    {
        foreach ((_, ICrossAttention kernel) in Implementations(name))
        {
            kernel.Attend(default, default, default, default);
            kernel.Attend(default, default, default, default, default, default);
        }
    }
}
