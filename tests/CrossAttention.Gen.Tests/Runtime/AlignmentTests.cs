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

    /// <summary>
    /// A thread keeps its scratch: the next call of the same or a smaller length — zero included — gets the same memory,
    /// at both levels. (A thread whose first scratch was empty once made a new one on every call, 88 B a call in
    /// BenchmarkDotNet's count; the allocation tests' threads had larger buffers from earlier calls, so they missed it.)
    /// </summary>
    [Fact]
    public void Scratch_reuses_its_buffers_for_every_length_zero_included()
    {
        // On a new thread, whose first scratch is empty (a generic call's first score buffer on the stack asks for 0).
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var thread = new System.Threading.Thread(() =>
        {
            foreach (int length in new[] { 0, 0, 1, 16, 300, 0 })
            {
                if (!Unsafe.AreSame(ref First(length), ref First(length)))
                {
                    failures.Enqueue($"outer scratch of {length}: not the memory of the call before");
                }

                using var outer = new Scratch(0);
                if (!Unsafe.AreSame(ref First(length), ref First(length)))
                {
                    failures.Enqueue($"inner scratch of {length}: not the memory of the call before");
                }
            }
        });
        thread.Start();
        thread.Join();
        Assert.Empty(failures);

        static ref float First(int length)
        {
            using var scratch = new Scratch(length);
            return ref MemoryMarshal.GetReference(scratch.Span);
        }
    }

    private static unsafe void AssertAligned(Span<float> span, string what)
    {
        nuint address = (nuint)Unsafe.AsPointer(ref MemoryMarshal.GetReference(span));
        Assert.True(address % 64 == 0, $"{what} ({span.Length} floats) starts {address % 64} bytes past a cache line");
    }
}
