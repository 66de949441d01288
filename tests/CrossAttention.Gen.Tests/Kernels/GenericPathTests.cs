using System;
using System.Collections.Generic;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// The generic kernel on shapes chosen to run every branch of its vector path, both generic paths, against the
/// float64 reference: fewer than four keys (scores taken as (row, key) pairs that cross rows), four-key blocks with
/// and without a partial block, head sizes under, at and past a vector with tails, query rows split over several
/// score blocks, and rows too long for more than one row per block; grouped-query heads (a key/value head shared by
/// several query heads, down to one for all) and causal rows (each scoring only the keys it sees, including a row whose
/// only visible key is masked); with and without mask and weights, batch 2.
/// </summary>
public sealed class GenericPathTests
{
    public static TheoryData<int, int, int, int, int, bool> Shapes => new()
    {
        { 3, 1, 8, 8, 0, false },      // one key: every pair its own row
        { 3, 2, 6, 2, 0, false },      // two keys, head size 3: pairs cross rows, scalar columns only
        { 5, 3, 34, 2, 0, false },     // three keys, head size 17: two vectors and a tail
        { 2, 4, 16, 2, 0, false },     // exactly one four-key block
        { 7, 7, 72, 3, 0, false },     // a block and a three-key tail, head size 24
        { 5, 300, 16, 1, 0, false },   // 1024 / 300 = 3 rows per score block: a full block and a partial one
        { 2, 1100, 9, 1, 0, false },   // more keys than a block holds: one row per block, head size 9
        { 9, 5, 1, 1, 0, false },      // head size 1
        { 3, 2, 6, 2, 1, false },      // multi-query: both heads read one key/value head, pairs crossing rows
        { 4, 9, 72, 6, 2, false },     // three query heads per key/value head, head size 12
        { 5, 5, 16, 2, 0, true },      // causal, square: row i sees keys 0..i
        { 3, 3, 16, 4, 2, true },      // causal with fewer than four keys, grouped heads
        { 4, 7, 72, 6, 3, true },      // causal, lower-right: row 0 sees 4 keys; a block and a tail
        { 7, 300, 16, 2, 1, true },    // causal over several score blocks, multi-query
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_float64_reference_on_both_generic_paths(int lq, int lkv, int d, int heads, int kvHeads, bool causal)
    {
        var shape = new CrossAttentionShape(lq, lkv, d, heads, kvHeads: kvHeads, causal: causal);
        const int batch = 2;
        var random = new Random(HashCode.Combine(lq, lkv, d, heads, kvHeads, causal));
        float[] q = Data.Uniform(random, batch * shape.QueryLength);
        float[] k = Data.Uniform(random, batch * shape.KeyValueLength);
        float[] v = Data.Uniform(random, batch * shape.KeyValueLength);
        var masks = new List<bool[]?> { null, Data.Mask(random, batch, lkv) };
        if (lkv > 1)
        {
            masks.Add(Data.Mask(random, batch, lkv, fullyMaskedItem: 1));

            // Key 0 masked: a causal square shape's row 0 sees only key 0, so it has no key left (zeros).
            bool[] firstMasked = new bool[batch * lkv];
            Array.Fill(firstMasked, true);
            firstMasked[0] = firstMasked[lkv] = false;
            masks.Add(firstMasked);
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
