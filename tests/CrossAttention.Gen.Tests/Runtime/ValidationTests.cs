using System;
using CrossAttention.Gen.Tests.Kernels;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Runtime;

/// <summary>SPEC §6: wrong span lengths throw ArgumentException naming the parameter, with expected and actual
/// lengths, before anything is written — on the generated and the generic path alike.</summary>
public sealed class ValidationTests
{
    private static readonly CrossAttentionShape Shape = Odd.Shape; // Lq 5, Lkv 7, D 72, Heads 3

    public static TheoryData<string> Paths => new() { "generated", "generic" };

    private static ICrossAttention Kernel(string path) =>
        path == "generated" ? new StaticKernel<Odd.Kernel>() : new GenericCrossAttention(Shape);

    /// <summary>Calls Attend with one span changed and checks the exception and that output and weights are untouched.</summary>
    private static ArgumentException Reject(string path, int batch = 2, int? q = null, int? k = null, int? v = null,
                                            int? output = null, int? mask = null, int? weights = null)
    {
        float[] qs = new float[q ?? batch * Shape.QueryLength];
        float[] ks = new float[k ?? batch * Shape.KeyValueLength];
        float[] vs = new float[v ?? batch * Shape.KeyValueLength];
        float[] outputs = Data.Filled(output ?? batch * Shape.QueryLength, 7f);
        bool[] masks = new bool[mask ?? batch * Shape.Lkv];
        float[] weightValues = Data.Filled(weights ?? batch * Shape.WeightsLength, 7f);
        Array.Fill(masks, true);
        Array.Fill(qs, 0.5f);

        var exception = Assert.ThrowsAny<ArgumentException>(() => Kernel(path).Attend(qs, ks, vs, outputs, masks, weightValues));
        Assert.All(outputs, x => Assert.Equal(7f, x));
        Assert.All(weightValues, x => Assert.Equal(7f, x));
        return exception;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Queries_that_are_not_whole_batch_items_name_q_and_the_multiple(string path)
    {
        ArgumentException e = Reject(path, q: 360 + 1);
        Assert.Equal("q", e.ParamName);
        Assert.Contains("q has 361 elements", e.Message);
        Assert.Contains("a multiple of 360", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Keys_of_another_batch_name_k_with_expected_and_actual(string path)
    {
        ArgumentException e = Reject(path, k: 3 * 504);
        Assert.Equal("k", e.ParamName);
        Assert.Contains("k has 1512 elements; expected 1008", e.Message);
        Assert.Contains("holds 3 batch items but q holds 2", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Keys_of_a_grouped_shape_are_counted_in_key_value_heads(string path)
    {
        // LlamaStyle: Lq 5, Lkv 7, D 64, 4 query heads over 2 key/value heads of 16 columns: 7 × 32 = 224 per batch item.
        CrossAttentionShape shape = LlamaStyle.Shape;
        ICrossAttention kernel = path == "generated" ? new StaticKernel<LlamaStyle.Kernel>() : new GenericCrossAttention(shape);
        float[] output = Data.Filled(shape.QueryLength, 7f);
        var e = Assert.ThrowsAny<ArgumentException>(() => kernel.Attend(new float[shape.QueryLength], new float[7 * 64], new float[shape.KeyValueLength], output));
        Assert.Equal("k", e.ParamName);
        Assert.Contains("k has 448 elements; expected 224: batch 1 (from q) × Lkv × KvHeads · dh = 7 × 2 · 16", e.Message);
        Assert.All(output, x => Assert.Equal(7f, x));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Values_of_a_broken_length_name_v(string path)
    {
        ArgumentException e = Reject(path, v: 1000);
        Assert.Equal("v", e.ParamName);
        Assert.Contains("v has 1000 elements; expected 1008", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_short_output_names_output(string path)
    {
        ArgumentException e = Reject(path, output: 719);
        Assert.Equal("output", e.ParamName);
        Assert.Contains("output has 719 elements; expected 720", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_mask_of_the_wrong_size_names_keyMask(string path)
    {
        ArgumentException e = Reject(path, mask: 7);
        Assert.Equal("keyMask", e.ParamName);
        Assert.Contains("keyMask has 7 elements; expected 14 (or 0 to leave it out)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Weights_of_the_wrong_size_name_attentionWeights(string path)
    {
        ArgumentException e = Reject(path, weights: 2 * 105 + 1);
        Assert.Equal("attentionWeights", e.ParamName);
        Assert.Contains("attentionWeights has 211 elements; expected 210 (or 0 to leave it out)", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void An_empty_query_batch_with_keys_names_k(string path)
    {
        ArgumentException e = Reject(path, batch: 0, k: 504);
        Assert.Equal("k", e.ParamName);
        Assert.Contains("holds 1 batch item but q holds 0", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Empty_mask_and_weights_are_accepted(string path)
    {
        var random = new Random(3);
        float[] q = Data.Uniform(random, Shape.QueryLength);
        float[] k = Data.Uniform(random, Shape.KeyValueLength);
        float[] v = Data.Uniform(random, Shape.KeyValueLength);
        var output = new float[Shape.QueryLength];
        Kernel(path).Attend(q, k, v, output, ReadOnlySpan<bool>.Empty, Span<float>.Empty);
        Tolerance.Close(Reference.Attend(Shape, q, k, v, null).Output, output, path);
    }
}
