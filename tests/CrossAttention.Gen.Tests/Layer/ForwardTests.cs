using System;
using System.Collections.Generic;
using CrossAttention.Gen.Tests.Kernels;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Layer;

/// <summary>
/// The whole layer — projections, attention, output projection — on every kernel generated in this project and both
/// generic paths, against a float64 reference of the layer with nn.Linear-initialized weights (SPEC §6 bounds).
/// </summary>
public sealed class ForwardTests
{
    public static TheoryDataNames Names => TestKernels.Names;

    private static IEnumerable<(string Path, ICrossAttention Kernel)> Implementations(string name) => TestKernels.Implementations(name);

    /// <summary>Inputs in [−1, 1] and nn.Linear weights for one shape.</summary>
    private sealed record Case(CrossAttentionShape Shape, int Batch, float[] Queries, float[] Context, CrossAttentionWeights Weights, bool[] Mask)
    {
        public static Case Draw(CrossAttentionShape shape, int batch, int seed)
        {
            var random = new Random(seed);
            return new Case(shape, batch,
                            Data.Uniform(random, batch * shape.QueryLength),
                            Data.Uniform(random, batch * shape.Lkv * shape.KvDim),
                            CrossAttentionWeights.CreateRandom(shape, seed),
                            Data.Mask(random, batch, shape.Lkv));
        }

        public float[] NewOutput() => new float[Batch * Shape.QueryLength];

        public float[] NewWeights() => new float[Batch * Shape.WeightsLength];
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_matches_the_float64_layer_with_and_without_mask_and_weights(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        foreach (int batch in new[] { 1, 3 })
        {
            Case c = Case.Draw(shape, batch, seed: batch + shape.D);
            foreach (bool[]? mask in new[] { null, c.Mask })
            {
                Reference.Result expected = Reference.Forward(shape, c.Queries, c.Context, c.Weights, mask);
                foreach ((string path, ICrossAttention kernel) in Implementations(name))
                {
                    string what = $"{name} {path}, batch {batch}, {(mask is null ? "no mask" : "masked")}";
                    float[] output = c.NewOutput(), weights = c.NewWeights();
                    kernel.Forward(c.Queries, c.Context, c.Weights, output, mask, weights);
                    Tolerance.Close(expected.Output, output, what + ": output");
                    Tolerance.Close(expected.Weights, weights, what + ": weights");

                    float[] plain = c.NewOutput();
                    if (mask is null)
                    {
                        kernel.Forward(c.Queries, c.Context, c.Weights, plain);
                    }
                    else
                    {
                        kernel.Forward(c.Queries, c.Context, c.Weights, plain, mask, default);
                    }

                    Assert.Equal(output, plain);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_on_a_projected_context_equals_Forward(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        Case c = Case.Draw(shape, batch: 2, seed: 31);
        Case other = Case.Draw(shape, batch: 2, seed: 32);
        foreach ((string path, ICrossAttention kernel) in Implementations(name))
        {
            float[] direct = c.NewOutput(), directWeights = c.NewWeights();
            kernel.Forward(c.Queries, c.Context, c.Weights, direct, c.Mask, directWeights);

            ProjectedContext projected = kernel.ProjectContext(c.Context, c.Weights);
            Assert.Equal((shape, 2), (projected.Shape, projected.Batch));
            float[] stepped = c.NewOutput(), steppedWeights = c.NewWeights();
            kernel.Forward(c.Queries, projected, c.Weights, stepped, c.Mask, steppedWeights);

            float[] unmasked = c.NewOutput(), unmaskedStep = c.NewOutput();
            kernel.Forward(c.Queries, c.Context, c.Weights, unmasked);
            kernel.Forward(c.Queries, projected, c.Weights, unmaskedStep);

            // Refilled with another context, it serves that context.
            kernel.ProjectContext(other.Context, c.Weights, projected);
            float[] refilled = c.NewOutput(), expected = c.NewOutput();
            kernel.Forward(c.Queries, projected, c.Weights, refilled);
            kernel.Forward(c.Queries, other.Context, c.Weights, expected);

            if (ReferenceCheck.FoldsContext(kernel))
            {
                // Forward attends over the raw context (Wk and Wv folded in): the same value summed in another order, so
                // the step is held to SPEC §6's bound of the float64 reference, as Forward is.
                Reference.Result masked = Reference.Forward(shape, c.Queries, c.Context, c.Weights, c.Mask);
                Tolerance.Close(masked.Output, stepped, $"{name} {path}: step output");
                Tolerance.Close(masked.Weights, steppedWeights, $"{name} {path}: step weights");
                Tolerance.Close(Reference.Forward(shape, c.Queries, c.Context, c.Weights, null).Output, unmaskedStep, $"{name} {path}: unmasked step");
                Tolerance.Close(Reference.Forward(shape, c.Queries, other.Context, c.Weights, null).Output, refilled, $"{name} {path}: refilled step");
                continue;
            }

            // Forward projects the context with the same kernels: the step computes the same bits.
            Assert.True(direct.AsSpan().SequenceEqual(stepped), $"{name} {path}: output differs");
            Assert.True(directWeights.AsSpan().SequenceEqual(steppedWeights), $"{name} {path}: weights differ");
            Assert.True(unmasked.AsSpan().SequenceEqual(unmaskedStep), $"{name} {path}: unmasked output differs");
            Assert.True(expected.AsSpan().SequenceEqual(refilled), $"{name} {path}: refilled context differs");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Masked_context_rows_never_reach_the_output_even_when_NaN_or_infinite(string name)
    {
        // SPEC §6: masked keys are skipped, not weighted by zero — in Forward too, whether it projects the context or
        // attends over it with Wk and Wv folded in (a zero weight times NaN is NaN).
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        Case c = Case.Draw(shape, batch: 2, seed: 41);
        float[] poisoned = (float[])c.Context.Clone();
        for (int j = 0; j < c.Mask.Length; j++)
        {
            if (!c.Mask[j])
            {
                poisoned.AsSpan(j * shape.KvDim, shape.KvDim).Fill(j % 2 == 0 ? float.NaN : float.PositiveInfinity);
            }
        }

        Reference.Result expected = Reference.Forward(shape, c.Queries, c.Context, c.Weights, c.Mask);
        foreach ((string path, ICrossAttention kernel) in Implementations(name))
        {
            float[] output = c.NewOutput(), weights = c.NewWeights();
            kernel.Forward(c.Queries, poisoned, c.Weights, output, c.Mask, weights);
            Tolerance.Close(expected.Output, output, $"{name} {path}: output");
            Tolerance.Close(expected.Weights, weights, $"{name} {path}: weights");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void A_fully_masked_item_outputs_the_output_bias(string name)
    {
        CrossAttentionShape shape = TestKernels.Get(name).Shape;
        Case c = Case.Draw(shape, batch: 2, seed: 37);
        bool[] mask = Data.Mask(new Random(1), 2, shape.Lkv, fullyMaskedItem: 0);
        foreach ((string path, ICrossAttention kernel) in Implementations(name))
        {
            float[] output = c.NewOutput(), weights = c.NewWeights();
            kernel.Forward(c.Queries, c.Context, c.Weights, output, mask, weights);
            for (int i = 0; i < shape.Lq; i++)
            {
                Assert.True(output.AsSpan(i * shape.D, shape.D).SequenceEqual(c.Weights.Bo), $"{name} {path}: row {i} is not Bo");
            }

            Assert.All(weights.AsSpan(0, shape.WeightsLength).ToArray(), x => Assert.Equal(0f, x));
        }
    }

    [Fact]
    public void The_weight_spans_are_the_storage_a_write_takes_effect_on_the_next_call()
    {
        CrossAttentionShape shape = Odd.Shape;
        Case c = Case.Draw(shape, batch: 1, seed: 41);
        float[] before = c.NewOutput(), after = c.NewOutput();
        Odd.Forward(c.Queries, c.Context, c.Weights, before);

        c.Weights.Wv[5] += 0.5f;
        c.Weights.Bo[0] = 3f;
        Odd.Forward(c.Queries, c.Context, c.Weights, after);
        Assert.NotEqual(before, after);
        Tolerance.Close(Reference.Forward(shape, c.Queries, c.Context, c.Weights, null).Output, after, "after the write");
    }

    [Fact]
    public void Weights_fit_every_shape_with_the_same_D_and_KvDim()
    {
        var weights = CrossAttentionWeights.CreateRandom(Decode.Shape, seed: 1);
        Assert.True(weights.Fits(new CrossAttentionShape(7, 3, 512, 4)));
        Assert.False(weights.Fits(Caption.Shape)); // KvDim 768
        Assert.Equal((512, 512, 512 * 512), (weights.D, weights.KvDim, weights.Wq.Length));
    }

    [Fact]
    public void Random_weights_follow_the_nn_Linear_rule_and_repeat_with_the_seed()
    {
        var weights = CrossAttentionWeights.CreateRandom(Caption.Shape, seed: 5);
        float query = 1f / MathF.Sqrt(512), context = 1f / MathF.Sqrt(768);
        Assert.All(weights.Wq.ToArray(), x => Assert.InRange(x, -query, query));
        Assert.All(weights.Wk.ToArray(), x => Assert.InRange(x, -context, context));
        Assert.Contains(weights.Wk.ToArray(), x => Math.Abs(x) > 0.9f * context);
        Assert.True(weights.Wv.SequenceEqual(CrossAttentionWeights.CreateRandom(Caption.Shape, seed: 5).Wv));
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void An_empty_batch_is_a_layer_call_that_does_nothing(string name)
    {
        foreach ((_, ICrossAttention kernel) in Implementations(name))
        {
            var weights = new CrossAttentionWeights(kernel.Shape);
            kernel.Forward(default, ReadOnlySpan<float>.Empty, weights, default);
            ProjectedContext empty = kernel.ProjectContext(default, weights);
            Assert.Equal(0, empty.Batch);
            kernel.ProjectContext(default, weights, empty);
            kernel.Forward(default, empty, weights, default);
        }
    }
}
