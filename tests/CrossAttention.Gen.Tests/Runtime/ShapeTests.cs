using System;
using System.Linq;
using Xunit;

namespace CrossAttention.Gen.Tests.Runtime;

/// <summary>SPEC §5: CrossAttentionShape resolves defaults and rejects invalid shapes with the shared rules.</summary>
public sealed class ShapeTests
{
    [Fact]
    public void Defaults_resolve_to_D_and_one_over_root_head_size()
    {
        var shape = new CrossAttentionShape(4, 2, 64, 8);
        Assert.Equal((4, 2, 64, 8, 64, 8), (shape.Lq, shape.Lkv, shape.D, shape.Heads, shape.KvDim, shape.HeadSize));
        Assert.Equal((float)(1 / Math.Sqrt(8)), shape.Scale);
        Assert.Equal(4L * 4 * 2 * 64, shape.AttendFlops);
    }

    [Fact]
    public void Explicit_kv_dim_and_scale_are_kept_negative_scale_included()
    {
        var shape = new CrossAttentionShape(16, 49, 512, 8, kvDim: 768, scale: -0.25f);
        Assert.Equal(768, shape.KvDim);
        Assert.Equal(-0.25f, shape.Scale);
    }

    [Fact]
    public void Shapes_are_equal_by_resolved_value()
    {
        var implicitScale = new CrossAttentionShape(3, 5, 32, 2);
        var explicitScale = new CrossAttentionShape(3, 5, 32, 2, kvDim: 32, scale: 0.25f);
        Assert.Equal(implicitScale, explicitScale);
        Assert.True(implicitScale == explicitScale);
        Assert.Equal(implicitScale.GetHashCode(), explicitScale.GetHashCode());
        Assert.NotEqual(implicitScale, new CrossAttentionShape(3, 5, 32, 4));
        Assert.Equal("Lq=3, Lkv=5, D=32, Heads=2 (head size 16), KvDim=32, Scale=0.25", implicitScale.ToString());
    }

    [Theory]
    [InlineData(0, 2, 64, 8, 0, 0f, "lq", "lq = 0 must be positive")]
    [InlineData(4, -1, 64, 8, 0, 0f, "lkv", "lkv = -1 must be positive")]
    [InlineData(4, 2, 0, 8, 0, 0f, "d", "d = 0 must be positive")]
    [InlineData(4, 2, 64, 0, 0, 0f, "heads", "heads = 0 must be positive")]
    [InlineData(4, 2, 64, 8, -5, 0f, "kvDim", "KvDim = -5 is negative")]
    [InlineData(4, 2, 64, 8, 0, float.NaN, "scale", "Scale = NaN is not finite: use 0 for the default 1/sqrt(head size), or any finite non-zero value")]
    [InlineData(4, 2, 64, 8, 0, float.PositiveInfinity, "scale", "is not finite")]
    public void Invalid_sizes_and_scales_are_out_of_range(int lq, int lkv, int d, int heads, int kvDim, float scale,
                                                         string parameter, string message)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CrossAttentionShape(lq, lkv, d, heads, kvDim, scale));
        Assert.Equal(parameter, e.ParamName);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Heads_that_do_not_divide_D_say_which_would()
    {
        var e = Assert.Throws<ArgumentException>(() => new CrossAttentionShape(4, 2, 72, 5));
        Assert.Equal("heads", e.ParamName);
        Assert.Contains("d = 72 is not divisible by heads = 5", e.Message);
        Assert.Contains("4 and 6", e.Message);
    }

    [Fact]
    public void A_shape_too_large_for_a_span_is_rejected()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CrossAttentionShape(1, 70000, 65536, 1));
        Assert.StartsWith("k and v [Lkv, D] would hold 4,587,520,000 elements (per batch item), more than the 2,147,483,647 a span can index", e.Message);
    }

    [Theory]
    [InlineData(64, 6, "4 and 8")]
    [InlineData(8, 16, "8 (no head count above 16 divides d)")]
    [InlineData(64, int.MaxValue, "64 (no head count above 2147483647 divides d)")]
    [InlineData(2147483646, 5, "3 and 6")]
    [InlineData(2147483647, 2, "1 and 2147483647")]
    public void The_heads_hint_names_the_nearest_head_counts_that_divide_d(int d, int heads, string nearest)
    {
        // int.MaxValue is prime: the hint walks divisors up to √d, never counts from heads.
        var e = Assert.Throws<ArgumentException>(() => new CrossAttentionShape(1, 1, d, heads));
        Assert.Contains($"(the nearest head counts that divide it are {nearest})", e.Message);
    }

    [Fact]
    public void Grouped_query_heads_narrow_keys_and_values_and_their_weights()
    {
        var shape = new CrossAttentionShape(16, 64, 512, 8, kvHeads: 2);
        Assert.Equal((2, 4, 128), (shape.KvHeads, shape.GroupSize, shape.KeyValueWidth));
        Assert.Equal(64 * 128, shape.KeyValueLength);
        Assert.Equal(16 * 512, shape.QueryLength);
        Assert.Equal(8 * 16 * 64, shape.WeightsLength);
        Assert.Equal("Lq=16, Lkv=64, D=512, Heads=8 (head size 64), KvDim=512, Scale=0.125, KvHeads=2", shape.ToString());
        Assert.Equal(new CrossAttentionShape(16, 64, 512, 8), new CrossAttentionShape(16, 64, 512, 8, kvHeads: 8));
        Assert.NotEqual(new CrossAttentionShape(16, 64, 512, 8), shape);

        var weights = new CrossAttentionWeights(shape);
        Assert.Equal((512 * 512, 128 * 512, 128, 128 * 512, 128, 512), (weights.Wq.Length, weights.Wk.Length, weights.Bk.Length, weights.Wv.Length, weights.Bv.Length, weights.Bo.Length));
        Assert.True(weights.Fits(shape));
        Assert.False(weights.Fits(new CrossAttentionShape(16, 64, 512, 8)));
    }

    [Fact]
    public void Causal_rows_see_a_lower_right_aligned_prefix_of_the_keys()
    {
        var shape = new CrossAttentionShape(5, 7, 64, 8, causal: true);
        Assert.True(shape.Causal);
        Assert.Equal(new[] { 3, 4, 5, 6, 7 }, new[] { 0, 1, 2, 3, 4 }.Select(shape.VisibleKeys));
        Assert.Equal(4L * 64 * (3 + 4 + 5 + 6 + 7), shape.AttendFlops);
        Assert.EndsWith(", Causal", shape.ToString());
        Assert.NotEqual(new CrossAttentionShape(5, 7, 64, 8), shape);
        Assert.NotEqual(new CrossAttentionShape(5, 7, 64, 8).GetHashCode(), shape.GetHashCode());
        Assert.Equal(7, new CrossAttentionShape(5, 7, 64, 8).VisibleKeys(0));
        Assert.Equal(new[] { 1, 2, 3 }, new[] { 0, 1, 2 }.Select(new CrossAttentionShape(3, 3, 8, 1, causal: true).VisibleKeys));
        foreach (int row in new[] { -1, 5, int.MinValue })
        {
            var e = Assert.Throws<ArgumentOutOfRangeException>(() => shape.VisibleKeys(row));
            Assert.Equal("row", e.ParamName);
            Assert.Contains("A query row is 0 .. 4 (Lq = 5)", e.Message);
        }
    }

    [Theory]
    [InlineData(8, 3, "KvHeads = 3 does not divide heads = 8", "(the nearest key/value head counts that divide it are 2 and 4)")]
    [InlineData(8, 16, "KvHeads = 16 does not divide heads = 8", "8 (no head count above 16 divides heads)")]
    public void Key_value_heads_must_divide_the_heads(int heads, int kvHeads, string message, string hint)
    {
        var e = Assert.Throws<ArgumentException>(() => new CrossAttentionShape(4, 2, 64, heads, kvHeads: kvHeads));
        Assert.Equal("kvHeads", e.ParamName);
        Assert.Contains(message, e.Message);
        Assert.Contains(hint, e.Message);
    }

    [Fact]
    public void Negative_key_value_heads_are_out_of_range()
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CrossAttentionShape(4, 2, 64, 8, kvHeads: -2));
        Assert.Equal("kvHeads", e.ParamName);
        Assert.Contains("KvHeads = -2 is negative", e.Message);
    }

    [Fact]
    public void Causal_needs_no_more_queries_than_keys()
    {
        var e = Assert.Throws<ArgumentException>(() => new CrossAttentionShape(5, 3, 64, 8, causal: true));
        Assert.Equal("causal", e.ParamName);
        Assert.Contains("Causal needs lq <= lkv", e.Message);
        Assert.Contains("the first 2 rows would see no key", e.Message);
        Assert.True(new CrossAttentionShape(3, 3, 64, 8, causal: true).Causal);
    }

    /// <summary>
    /// A shape whose largest tensor of one batch item (or weight matrix) would pass what a span can index is rejected,
    /// naming that tensor and its element count; each case makes a different tensor the largest, at 2³¹ elements.
    /// </summary>
    [Theory]
    [InlineData(65536, 1, 32768, 1, 0, "q and output [Lq, D] would hold 2,147,483,648 elements")]
    [InlineData(1, 65536, 32768, 1, 1, "k and v [Lkv, D] would hold 2,147,483,648 elements")]
    [InlineData(1, 65536, 1, 1, 32768, "context [Lkv, KvDim] would hold 2,147,483,648 elements")]
    [InlineData(32768, 32768, 2, 2, 0, "attentionWeights [Heads, Lq, Lkv] would hold 2,147,483,648 elements")]
    [InlineData(1, 1, 46341, 1, 1, "the projection weights Wq and Wo [D, D] would hold 2,147,488,281 elements")]
    [InlineData(1, 1, 32768, 1, 65536, "the projection weights Wk and Wv [D, KvDim] would hold 2,147,483,648 elements")]
    public void A_tensor_past_what_a_span_can_index_is_named(int lq, int lkv, int d, int heads, int kvDim, string named)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new CrossAttentionShape(lq, lkv, d, heads, kvDim));
        Assert.Equal("d", e.ParamName);
        Assert.Contains(named + " (per batch item), more than the 2,147,483,647 a span can index", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_exactly_what_a_span_can_index_is_accepted()
    {
        // 2³¹ − 1 is prime, so only a dimension of 1 reaches it: keys, context and weights of int.MaxValue elements.
        var shape = new CrossAttentionShape(1, int.MaxValue, 1, 1);
        Assert.Equal(int.MaxValue, shape.KeyValueLength);
        Assert.Equal(int.MaxValue, shape.WeightsLength);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CrossAttentionShape(2, int.MaxValue, 1, 1));
    }

    [Theory]
    [InlineData(-1, "KvHeads = -1 is negative: it is the number of key/value heads, a divisor of heads = 8 (or 0 for the default, heads)")]
    [InlineData(0, null)]
    public void Kv_heads_below_zero_are_rejected_and_zero_is_the_default(int kvHeads, string? message)
    {
        if (message is null)
        {
            Assert.Equal(8, new CrossAttentionShape(4, 2, 64, 8, kvHeads: kvHeads).KvHeads);
            return;
        }

        var e = Assert.ThrowsAny<ArgumentException>(() => new CrossAttentionShape(4, 2, 64, 8, kvHeads: kvHeads));
        Assert.Equal("kvHeads", e.ParamName);
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }
}
