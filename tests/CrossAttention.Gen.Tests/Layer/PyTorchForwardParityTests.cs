using System.Collections.Generic;
using CrossAttention.Gen.Tests.Kernels;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Layer;

/// <summary>
/// Forward against libtorch's nn.MultiheadAttention (Vectors/, see its README): the output and the head-averaged
/// weights, directly and through a projected context, within 2e-5 + 2e-5·|expected|.
/// </summary>
public sealed class PyTorchForwardParityTests
{
    private const double Absolute = 2e-5, Relative = 2e-5;

    private static IReadOnlyDictionary<string, ICrossAttention> Generated => TestKernels.ForVectorFile;

    public static TheoryData<string> Files => new(ReferenceVector.Names);

    [Theory]
    [MemberData(nameof(Files))]
    public void Forward_matches_libtorch_MultiheadAttention(string file)
    {
        ReferenceVector vector = ReferenceVector.Load(file);
        CrossAttentionShape shape = vector.Shape;
        var weights = new CrossAttentionWeights(shape,
            vector.Forward("Wq"), vector.Forward("Bq"), vector.Forward("Wk"), vector.Forward("Bk"),
            vector.Forward("Wv"), vector.Forward("Bv"), vector.Forward("Wo"), vector.Forward("Bo"));
        float[] queries = vector.Forward("queries"), context = vector.Forward("context");
        float[] expectedOutput = vector.Forward("output");
        float[] expectedAverage = vector.Forward("headAveragedWeights");

        foreach (ICrossAttention kernel in new[] { Generated[file], new GenericCrossAttention(shape) })
        {
            var output = new float[queries.Length];
            var attention = new float[vector.Batch * shape.WeightsLength];
            kernel.Forward(queries, context, weights, output, vector.Mask, attention);
            Tolerance.Close(expectedOutput, output, $"{file} {kernel.Path}: output", Absolute, Relative);
            Tolerance.Close(ToDoubles(expectedAverage), Narrow(Reference.HeadAverage(shape, attention)), $"{file} {kernel.Path}: head-averaged weights", Absolute, Relative);

            var stepped = new float[queries.Length];
            kernel.Forward(queries, kernel.ProjectContext(context, weights), weights, stepped, vector.Mask, default);
            Tolerance.Close(expectedOutput, stepped, $"{file} {kernel.Path}: output on a projected context", Absolute, Relative);
        }
    }

    private static double[] ToDoubles(float[] values) => System.Array.ConvertAll(values, x => (double)x);

    private static float[] Narrow(double[] values) => System.Array.ConvertAll(values, x => (float)x);
}
