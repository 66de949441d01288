using System;
using System.Collections.Generic;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// The generic kernel on shapes chosen to run every branch of its vector path, both generic paths, against the
/// float64 reference: fewer than four keys (scores taken as (row, key) pairs that cross rows), four-key blocks with
/// and without a partial block, head sizes under, at and past a vector with tails, query rows split over several
/// score blocks, and rows too long for more than one row per block; with and without mask and weights, batch 2.
/// </summary>
public sealed class GenericPathTests
{
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        { 3, 1, 8, 8 },      // one key: every pair its own row
        { 3, 2, 6, 2 },      // two keys, head size 3: pairs cross rows, scalar columns only
        { 5, 3, 34, 2 },     // three keys, head size 17: two vectors and a tail
        { 2, 4, 16, 2 },     // exactly one four-key block
        { 7, 7, 72, 3 },     // a block and a three-key tail, head size 24
        { 5, 300, 16, 1 },   // 1024 / 300 = 3 rows per score block: a full block and a partial one
        { 2, 1100, 9, 1 },   // more keys than a block holds: one row per block, head size 9
        { 9, 5, 1, 1 },      // head size 1
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_float64_reference_on_both_generic_paths(int lq, int lkv, int d, int heads)
    {
        var shape = new CrossAttentionShape(lq, lkv, d, heads);
        const int batch = 2;
        var random = new Random(HashCode.Combine(lq, lkv, d, heads));
        float[] q = Data.Uniform(random, batch * shape.QueryLength);
        float[] k = Data.Uniform(random, batch * shape.KeyValueLength);
        float[] v = Data.Uniform(random, batch * shape.KeyValueLength);
        var masks = new List<bool[]?> { null, Data.Mask(random, batch, lkv) };
        if (lkv > 1)
        {
            masks.Add(Data.Mask(random, batch, lkv, fullyMaskedItem: 1));
        }

        foreach (bool[]? mask in masks)
        {
            Reference.Result expected = Reference.Attend(shape, q, k, v, mask);
            foreach (KernelPath path in new[] { KernelPath.GenericVector, KernelPath.GenericScalar })
            {
                var kernel = new GenericCrossAttention(shape, path);
                string what = $"{shape} {path}, {(mask is null ? "no mask" : "masked")}";
                var output = new float[q.Length];
                var weights = new float[batch * shape.WeightsLength];
                kernel.Attend(q, k, v, output, mask, weights);
                Tolerance.Close(expected.Output, output, what + ": output");
                Tolerance.Close(expected.Weights, weights, what + ": weights");

                var withoutWeights = new float[q.Length];
                kernel.Attend(q, k, v, withoutWeights, mask, default);
                Assert.Equal(output, withoutWeights);
            }
        }
    }
}
