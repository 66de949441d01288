using System;
using CrossAttention.Gen.Tests.Kernels;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Layer;

/// <summary>
/// SPEC §6 for the layer: every span, weight and projected-context mismatch throws ArgumentException naming the
/// parameter, with expected and actual sizes, before anything is written — generated and generic alike.
/// </summary>
public sealed class LayerValidationTests
{
    private static readonly CrossAttentionShape Shape = Odd.Shape; // Lq 5, Lkv 7, D 72, Heads 3, KvDim 40

    public static TheoryData<string> Paths => new() { "generated", "generic" };

    private static ICrossAttention Kernel(string path) => path == "generated" ? new StaticKernel<Odd.Kernel>() : new GenericCrossAttention(Shape);

    private static readonly CrossAttentionWeights Weights = CrossAttentionWeights.CreateRandom(Shape, 1);

    /// <summary>Calls Forward (raw context, or projected when <paramref name="projected"/>) with one size changed.</summary>
    private static ArgumentException Reject(string path, bool projected, int batch = 2, int? queries = null, int? context = null,
                                            CrossAttentionWeights? weights = null, ProjectedContext? projectedContext = null,
                                            int? output = null, int? mask = null, int? attention = null)
    {
        ICrossAttention kernel = Kernel(path);
        float[] q = new float[queries ?? batch * Shape.QueryLength];
        float[] c = new float[context ?? batch * Shape.Lkv * Shape.KvDim];
        float[] o = Data.Filled(output ?? batch * Shape.QueryLength, 7f);
        bool[] m = new bool[mask ?? batch * Shape.Lkv];
        float[] a = Data.Filled(attention ?? batch * Shape.WeightsLength, 7f);
        weights ??= Weights;
        ProjectedContext target = projectedContext ?? new ProjectedContext(Shape, batch);

        var exception = Assert.ThrowsAny<ArgumentException>(() =>
        {
            if (projected)
            {
                kernel.Forward(q, target, weights, o, m, a);
            }
            else
            {
                kernel.Forward(q, c, weights, o, m, a);
            }
        });
        Assert.All(o, x => Assert.Equal(7f, x));
        Assert.All(a, x => Assert.Equal(7f, x));
        return exception;
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Queries_that_are_not_whole_items_name_queries(string path)
    {
        foreach (bool projected in new[] { false, true })
        {
            ArgumentException e = Reject(path, projected, queries: 361);
            Assert.Equal("queries", e.ParamName);
            Assert.Contains("queries has 361 elements; expected a multiple of 360 (Lq × D = 5 × 72)", e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_context_of_another_batch_names_context(string path)
    {
        ArgumentException e = Reject(path, projected: false, context: 3 * 280);
        Assert.Equal("context", e.ParamName);
        Assert.Contains("context has 840 elements; expected 560: batch 2 (from queries) × Lkv × KvDim = 7 × 40. It holds 3 batch items but queries holds 2.", e.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Output_mask_and_weights_of_the_wrong_size_are_named(string path)
    {
        foreach (bool projected in new[] { false, true })
        {
            Assert.Equal("output", Reject(path, projected, output: 10).ParamName);
            Assert.Equal("keyMask", Reject(path, projected, mask: 13).ParamName);
            Assert.Equal("attentionWeights", Reject(path, projected, attention: 1).ParamName);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Weights_of_other_sizes_name_weights(string path)
    {
        var wrong = new CrossAttentionWeights(new CrossAttentionShape(5, 7, 72, 3)); // KvDim 72, not 40
        foreach (bool projected in new[] { false, true })
        {
            ArgumentException e = Reject(path, projected, weights: wrong);
            Assert.Equal("weights", e.ParamName);
            Assert.Contains("weights were made for Wq [72, 72], Wk [72, 72] (D = 72, KvDim = 72)", e.Message);
            Assert.Contains("this kernel needs Wq [72, 72], Wk [72, 40] (D = 72, KvDim = 40)", e.Message);
        }

        // Same D and KvDim, another number of key/value heads: Wk and Wv have other row counts.
        var grouped = new CrossAttentionWeights(new CrossAttentionShape(5, 7, 72, 3, kvDim: 40, kvHeads: 1));
        foreach (bool projected in new[] { false, true })
        {
            ArgumentException e = Reject(path, projected, weights: grouped);
            Assert.Equal("weights", e.ParamName);
            Assert.Contains("weights were made for Wq [72, 72], Wk [24, 40]", e.Message);
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Weights_for_a_grouped_kernel_say_its_key_value_heads(string path)
    {
        // LlamaStyle: D 64, 4 query heads over 2 key/value heads of 16 columns, so Wk and Wv are [32, 64].
        CrossAttentionShape shape = LlamaStyle.Shape;
        ICrossAttention kernel = path == "generated" ? new StaticKernel<LlamaStyle.Kernel>() : new GenericCrossAttention(shape);
        var ungrouped = new CrossAttentionWeights(new CrossAttentionShape(shape.Lq, shape.Lkv, shape.D, shape.Heads));
        float[] output = Data.Filled(shape.QueryLength, 7f);
        var e = Assert.ThrowsAny<ArgumentException>(() =>
            kernel.Forward(new float[shape.QueryLength], new float[shape.Lkv * shape.KvDim], ungrouped, output));
        Assert.Equal("weights", e.ParamName);
        Assert.Contains("weights were made for Wq [64, 64], Wk [64, 64] (D = 64, KvDim = 64); "
                        + "this kernel needs Wq [64, 64], Wk [32, 64] (D = 64, KvDim = 64, KvHeads = 2).", e.Message, StringComparison.Ordinal);
        Assert.All(output, x => Assert.Equal(7f, x));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void A_projected_context_of_another_batch_or_shape_names_context(string path)
    {
        ArgumentException batch = Reject(path, projected: true, projectedContext: new ProjectedContext(Shape, 3));
        Assert.Equal("context", batch.ParamName);
        Assert.Contains("context holds 3 batch items; expected 2 (from queries)", batch.Message);

        ArgumentException shape = Reject(path, projected: true, projectedContext: new ProjectedContext(new CrossAttentionShape(5, 8, 72, 3, 40), 2));
        Assert.Equal("context", shape.ParamName);
        Assert.Contains("was projected for the shape Lq=5, Lkv=8", shape.Message);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Null_weights_and_contexts_are_rejected(string path)
    {
        ICrossAttention kernel = Kernel(path);
        var output = new float[Shape.QueryLength];
        Assert.Equal("weights", Assert.Throws<ArgumentNullException>(() => kernel.Forward(new float[360], new float[280], null!, output)).ParamName);
        Assert.Equal("context", Assert.Throws<ArgumentNullException>(() => kernel.Forward(new float[360], (ProjectedContext)null!, Weights, output)).ParamName);
        Assert.Equal("into", Assert.Throws<ArgumentNullException>(() => kernel.ProjectContext(new float[280], Weights, null!)).ParamName);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void ProjectContext_checks_the_context_and_the_target(string path)
    {
        ICrossAttention kernel = Kernel(path);
        ArgumentException context = Assert.ThrowsAny<ArgumentException>(() => kernel.ProjectContext(new float[281], Weights));
        Assert.Equal("context", context.ParamName);
        Assert.Contains("a multiple of 280 (Lkv × KvDim = 7 × 40)", context.Message);

        var into = new ProjectedContext(Shape, 1);
        ArgumentException batch = Assert.ThrowsAny<ArgumentException>(() => kernel.ProjectContext(new float[560], Weights, into));
        Assert.Equal("into", batch.ParamName);
        Assert.Contains("into holds 1 batch item; expected 2 (from context)", batch.Message);

        var otherShape = new ProjectedContext(new CrossAttentionShape(1, 7, 72, 3, 40), 1);
        Assert.Equal("into", Assert.ThrowsAny<ArgumentException>(() => kernel.ProjectContext(new float[280], Weights, otherShape)).ParamName);
        Assert.Equal("weights", Assert.ThrowsAny<ArgumentException>(() => kernel.ProjectContext(new float[280], new CrossAttentionWeights(Latent.Shape))).ParamName);
    }

    [Fact]
    public void A_projected_context_needs_a_shape_and_a_batch_of_zero_or_more()
    {
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => new ProjectedContext(null!, 1)).ParamName);
        Assert.Equal("batch", Assert.Throws<ArgumentOutOfRangeException>(() => new ProjectedContext(Shape, -1)).ParamName);
        var empty = new ProjectedContext(Shape, 0);
        Assert.Equal((Shape, 0), (empty.Shape, empty.Batch));
    }

    [Fact]
    public void Weights_need_a_shape()
    {
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => new CrossAttentionWeights(null!)).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => CrossAttentionWeights.CreateRandom(null!, 1)).ParamName);
    }

    [Fact]
    public void Weights_from_spans_check_every_length()
    {
        float[] dd = new float[72 * 72], dk = new float[72 * 40], d = new float[72];
        Assert.NotNull(new CrossAttentionWeights(Shape, dd, d, dk, d, dk, d, dd, d));
        ArgumentException e = Assert.Throws<ArgumentException>(() => new CrossAttentionWeights(Shape, dd, d, dd, d, dk, d, dd, d));
        Assert.Equal("wk", e.ParamName);
        Assert.Contains("wk has 5184 elements; expected 2880 ([KvHeads·dh, KvDim] = [72, 40]", e.Message);
        Assert.Equal("bo", Assert.Throws<ArgumentException>(() => new CrossAttentionWeights(Shape, dd, d, dk, d, dk, d, dd, new float[71])).ParamName);
    }
}
