using System;
using System.Collections.Generic;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// Attend against libtorch's own results (Vectors/, computed with scaled_dot_product_attention; see its README), on the
/// generated and the generic path, within the tolerance that README gives: 2e-5 + 2e-5·|expected|.
/// </summary>
public sealed class PyTorchParityTests
{
    private const double Absolute = 2e-5, Relative = 2e-5;

    private static IReadOnlyDictionary<string, ICrossAttention> Generated => TestKernels.ForVectorFile;

    public static TheoryData<string> Files => new(ReferenceVector.Names);

    [Fact]
    public void Every_vector_file_has_a_generated_kernel_of_its_shape()
    {
        Assert.Equal(8, ReferenceVector.Names.Length);
        foreach (string name in ReferenceVector.Names)
        {
            Assert.Equal(ReferenceVector.Load(name).Shape, Generated[name].Shape);
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Attend_matches_libtorch_on_the_generated_and_generic_paths(string file)
    {
        ReferenceVector vector = ReferenceVector.Load(file);
        float[] q = vector.Attend("q"), k = vector.Attend("k"), v = vector.Attend("v");
        float[] expectedOutput = vector.Attend("output"), expectedWeights = vector.Attend("weights");

        foreach (ICrossAttention kernel in new[] { Generated[file], new GenericCrossAttention(vector.Shape) })
        {
            var output = new float[q.Length];
            var weights = new float[expectedWeights.Length];
            kernel.Attend(q, k, v, output, vector.Mask, weights);
            Tolerance.Close(expectedOutput, output, $"{file} {kernel.Path}: output", Absolute, Relative);
            Tolerance.Close(expectedWeights, weights, $"{file} {kernel.Path}: weights", Absolute, Relative);

            // Exact where the README says the result is exact: masked keys weigh exactly 0.
            if (vector.Mask is not null)
            {
                for (int index = 0; index < weights.Length; index++)
                {
                    int b = index / vector.Shape.WeightsLength, j = index % vector.Shape.Lkv;
                    if (!vector.Mask[(b * vector.Shape.Lkv) + j])
                    {
                        Assert.Equal(0f, weights[index]);
                    }
                }
            }
        }
    }

    [Theory]
    [InlineData("single_key", -1)]
    [InlineData("latent_masked", 1)]
    public void A_single_attended_key_gives_its_value_row_bit_for_bit(string file, int onlyBatchItem)
    {
        ReferenceVector vector = ReferenceVector.Load(file);
        CrossAttentionShape shape = vector.Shape;
        float[] q = vector.Attend("q"), k = vector.Attend("k"), v = vector.Attend("v");
        foreach (ICrossAttention kernel in new[] { Generated[file], new GenericCrossAttention(shape) })
        {
            var output = new float[q.Length];
            var weights = new float[vector.Batch * shape.WeightsLength];
            kernel.Attend(q, k, v, output, vector.Mask, weights);
            for (int b = 0; b < vector.Batch; b++)
            {
                if (onlyBatchItem >= 0 && b != onlyBatchItem)
                {
                    continue;
                }

                int key = vector.Mask is null ? 0 : Array.IndexOf(vector.Mask, true, b * shape.Lkv) - (b * shape.Lkv);
                for (int i = 0; i < shape.Lq; i++)
                {
                    ReadOnlySpan<float> row = output.AsSpan(((b * shape.Lq) + i) * shape.D, shape.D);
                    ReadOnlySpan<float> value = v.AsSpan(((b * shape.Lkv) + key) * shape.D, shape.D);
                    Assert.True(row.SequenceEqual(value), $"{file} {kernel.Path}: batch {b} row {i} is not value row {key}");
                    for (int h = 0; h < shape.Heads; h++)
                    {
                        Assert.Equal(1f, weights[((((b * shape.Heads) + h) * shape.Lq) + i) * shape.Lkv + key]);
                    }
                }
            }
        }
    }
}
