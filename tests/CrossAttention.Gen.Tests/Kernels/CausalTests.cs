using System;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// Causal rows (SPEC §3, §6) on every layout and path (the loops over keys of the looped layout stop at each row's
/// horizon): a row never reads the keys after its horizon — NaN and ∞ there
/// reach exactly the rows that see them, as in the float64 reference — and a row whose visible keys are all masked
/// gives zeros in its output and weights while the rows below it attend normally.
/// </summary>
public sealed class CausalTests
{
    public static TheoryData<string> Names => new(nameof(LatentCausal), nameof(HeadPairsCausal), nameof(LlamaCausal), nameof(ManyKeysCausal), nameof(SelfAttentionCausal), nameof(WideHeadCausal), nameof(QueryLanesCausal), nameof(StepCausal));

    [Theory]
    [MemberData(nameof(Names))]
    public void Keys_past_a_rows_horizon_never_reach_it(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        Assert.True(shape.Causal);
        const int batch = 2;
        var random = new Random(HashCode.Combine(name, 1));
        float[] q = Data.Uniform(random, batch * shape.QueryLength);
        float[] k = Data.Uniform(random, batch * shape.KeyValueLength);
        float[] v = Data.Uniform(random, batch * shape.KeyValueLength);

        // Every key after row 0's horizon is poisoned in item 1: NaN keys for some, ∞ values for others.
        for (int j = shape.VisibleKeys(0); j < shape.Lkv; j++)
        {
            int row = (shape.Lkv + j) * shape.KeyValueWidth;
            Array.Fill(j % 2 == 0 ? k : v, j % 2 == 0 ? float.NaN : float.PositiveInfinity, row, shape.KeyValueWidth);
        }

        Reference.Result expected = Reference.Attend(shape, q, k, v, null);
        foreach ((string path, ICrossAttention kernel) in TestKernels.Implementations(name))
        {
            var output = new float[q.Length];
            var weights = new float[batch * shape.WeightsLength];
            kernel.Attend(q, k, v, output, default, weights);
            Tolerance.Close(expected.Output, output, $"{name} {path}: output");
            Tolerance.Close(expected.Weights, weights, $"{name} {path}: weights");
            Assert.True(float.IsFinite(output[shape.QueryLength]), $"{name} {path}: row 0 of item 1 read a key past its horizon");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_row_whose_visible_keys_are_all_masked_gives_zeros(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        const int batch = 2;
        var random = new Random(HashCode.Combine(name, 2));
        float[] q = Data.Uniform(random, batch * shape.QueryLength);
        float[] k = Data.Uniform(random, batch * shape.KeyValueLength);
        float[] v = Data.Uniform(random, batch * shape.KeyValueLength);

        // Item 0 masks every key row 0 sees (and, with one query row, the item is fully masked); item 1 masks none.
        var mask = new bool[batch * shape.Lkv];
        Array.Fill(mask, true);
        Array.Fill(mask, false, 0, Math.Min(shape.VisibleKeys(0), shape.Lkv));

        Reference.Result expected = Reference.Attend(shape, q, k, v, mask);
        foreach ((string path, ICrossAttention kernel) in TestKernels.Implementations(name))
        {
            var output = new float[q.Length];
            Array.Fill(output, float.NaN);
            var weights = new float[batch * shape.WeightsLength];
            Array.Fill(weights, float.NaN);
            kernel.Attend(q, k, v, output, mask, weights);
            Tolerance.Close(expected.Output, output, $"{name} {path}: output");
            Tolerance.Close(expected.Weights, weights, $"{name} {path}: weights");
            Assert.All(output.AsSpan(0, shape.D).ToArray(), x => Assert.Equal(0f, x));
        }
    }
}
