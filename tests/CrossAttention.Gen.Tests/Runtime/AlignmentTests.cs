using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using CrossAttention.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Runtime;

/// <summary>
/// The memory the kernels stream — weights, projected contexts, per-thread scratch — starts on a 64-byte boundary, so
/// a vector load at a multiple of 16 floats never straddles two cache lines (a managed array starts wherever the
/// allocator put it: by chance one in four would pass). Sizes chosen so nothing lines up by itself: 8 × 12, 40 × 72.
/// </summary>
public sealed class AlignmentTests
{
    public static TheoryData<int, int, int, int> Shapes => new()
    {
        { 4, 2, 64, 8 },
        { 5, 7, 72, 3 },
        { 3, 4, 12, 4 },
        { 2, 3, 40, 5 },
        { 1, 11, 536, 2 },
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Weights_start_on_a_cache_line(int lq, int lkv, int d, int heads)
    {
        var shape = new CrossAttentionShape(lq, lkv, d, heads, kvDim: d + 4);
        for (int instance = 0; instance < 4; instance++)
        {
            // Each way of making weights: zeros, copied from spans, drawn at random.
            var zeros = new CrossAttentionWeights(shape);
            var random = CrossAttentionWeights.CreateRandom(shape, instance);
            var copied = new CrossAttentionWeights(shape, random.Wq, random.Bq, random.Wk, random.Bk, random.Wv, random.Bv, random.Wo, random.Bo);
            foreach (CrossAttentionWeights weights in new[] { zeros, random, copied })
            {
                AssertAligned(weights.Wq, "Wq");
                AssertAligned(weights.Bq, "Bq");
                AssertAligned(weights.Wk, "Wk");
                AssertAligned(weights.Bk, "Bk");
                AssertAligned(weights.Wv, "Wv");
                AssertAligned(weights.Bv, "Bv");
                AssertAligned(weights.Wo, "Wo");
                AssertAligned(weights.Bo, "Bo");
            }

            Assert.Equal(random.Wk.ToArray(), copied.Wk.ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Projected_contexts_start_on_a_cache_line(int lq, int lkv, int d, int heads)
    {
        var shape = new CrossAttentionShape(lq, lkv, d, heads);
        foreach (int batch in new[] { 1, 2, 3 })
        {
            var context = new ProjectedContext(shape, batch);
            AssertAligned(context.KeyStorage, "keys");
            AssertAligned(context.ValueStorage, "values");
            Assert.Equal((long)batch * shape.KeyValueLength, context.KeyStorage.Length);
        }
    }

    [Fact]
    public void Scratch_starts_on_a_cache_line_at_both_levels_and_after_growing()
    {
        foreach (int length in new[] { 3, 17, 1000, 4099 })
        {
            using var outer = new Scratch(length);
            using var inner = new Scratch(length + 5);
            AssertAligned(outer.Span, "outer scratch");
            AssertAligned(inner.Span, "inner scratch");
            Assert.Equal((length, length + 5), (outer.Span.Length, inner.Span.Length));
        }
    }

    private static unsafe void AssertAligned(Span<float> span, string what)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
        Assert.True(address % 64 == 0, $"{what} ({span.Length} floats) starts {address % 64} bytes past a cache line");
    }
}
