using System;
using Xunit;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// One call of a kernel against the float64 reference: <c>Attend</c> with a mask and weights out, then <c>Forward</c>,
/// then the decoder step on a <see cref="ProjectedContext"/> (and on one refilled) against <c>Forward</c>, bit for bit.
/// </summary>
internal static class ReferenceCheck
{
    /// <summary>
    /// Draws <paramref name="batch"/> items of inputs (and a context and <c>nn.Linear</c>-initialized weights for the
    /// layer) from <paramref name="random"/>, runs both calls with <paramref name="mask"/>, and checks outputs and
    /// weights within SPEC §6's bound; <paramref name="what"/> names the case in a failure.
    /// </summary>
    public static void AttendAndForward(ICrossAttention kernel, int batch, bool[] mask, Random random, int weightSeed, string what)
    {
        CrossAttentionShape shape = kernel.Shape;
        float[] q = Data.Uniform(random, batch * shape.QueryLength);
        float[] k = Data.Uniform(random, batch * shape.KeyValueLength);
        float[] v = Data.Uniform(random, batch * shape.KeyValueLength);
        var output = new float[q.Length];
        var weights = new float[batch * shape.WeightsLength];
        kernel.Attend(q, k, v, output, mask, weights);
        Reference.Result expected = Reference.Attend(shape, q, k, v, mask);
        Tolerance.Close(expected.Output, output, $"{what}: output");
        Tolerance.Close(expected.Weights, weights, $"{what}: weights");

        // The layer too: its projections are generated (narrow inputs) or the runtime's (wide ones).
        float[] context = Data.Uniform(random, batch * shape.Lkv * shape.KvDim);
        var layerWeights = CrossAttentionWeights.CreateRandom(shape, weightSeed);
        var layerOutput = new float[q.Length];
        kernel.Forward(q, context, layerWeights, layerOutput, mask, weights);
        Reference.Result layer = Reference.Forward(shape, q, context, layerWeights, mask);
        Tolerance.Close(layer.Output, layerOutput, $"{what}: Forward output");
        Tolerance.Close(layer.Weights, weights, $"{what}: Forward weights");

        // The decoder step: keys and values projected once, then Forward on them, bit for bit what Forward computed
        // (within the bound of the reference where Forward attends over the raw context, summing in another order);
        // and a refill of the same ProjectedContext with another context, as Forward on that context computes it.
        bool folds = FoldsContext(kernel);
        ProjectedContext projected = kernel.ProjectContext(context, layerWeights);
        var stepOutput = new float[q.Length];
        kernel.Forward(q, projected, layerWeights, stepOutput, mask, default);
        if (folds)
        {
            Tolerance.Close(layer.Output, stepOutput, $"{what}: the projected-context step");
        }
        else
        {
            Bitwise(layerOutput, stepOutput, $"{what}: the projected-context step");
        }

        float[] other = Data.Uniform(random, context.Length);
        kernel.ProjectContext(other, layerWeights, projected);
        float[] otherOutput = new float[q.Length], otherStep = new float[q.Length];
        kernel.Forward(q, other, layerWeights, otherOutput, mask, default);
        kernel.Forward(q, projected, layerWeights, otherStep, mask, default);
        if (folds)
        {
            Reference.Result otherLayer = Reference.Forward(shape, q, other, layerWeights, mask);
            Tolerance.Close(otherLayer.Output, otherOutput, $"{what}: Forward on another context");
            Tolerance.Close(otherLayer.Output, otherStep, $"{what}: the step on a refilled projected context");
        }
        else
        {
            Bitwise(otherOutput, otherStep, $"{what}: the step on a refilled projected context");
        }
    }

    /// <summary>
    /// True when <paramref name="kernel"/>'s <c>Forward</c> on a raw context attends over the context itself (a generated
    /// tier on a shape where that is less work), so its step on a projected context sums in another order.
    /// </summary>
    public static bool FoldsContext(ICrossAttention kernel) => kernel.Path.IsSpecialized() && kernel.Shape.ForwardsOverContext;

    /// <summary>The same bits at every index (−0 is not 0, and NaNs must match too), naming the first that differs.</summary>
    public static void Bitwise(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(BitConverter.SingleToInt32Bits(expected[i]) == BitConverter.SingleToInt32Bits(actual[i]),
                        $"{what}: element {i} is {actual[i]:R}, Forward computed {expected[i]:R}");
        }
    }
}
