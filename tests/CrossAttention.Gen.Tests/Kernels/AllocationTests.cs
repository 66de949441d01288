using System;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>SPEC §6: no allocation on any Attend or Forward call (after the first call of a type), generated or generic.</summary>
[Collection(nameof(GlobalParallelism))]
public sealed class AllocationTests
{
    public static TheoryDataNames Names => TestKernels.Names;

    [Theory]
    [MemberData(nameof(Names))]
    public void Attend_allocates_nothing(string name)
    {
        ICrossAttention generated = TestKernels.Get(name);
        CrossAttentionShape shape = generated.Shape;
        var random = new Random(5);
        float[] q = Data.Uniform(random, 2 * shape.QueryLength);
        float[] k = Data.Uniform(random, 2 * shape.KeyValueLength);
        float[] v = Data.Uniform(random, 2 * shape.KeyValueLength);
        bool[] mask = Data.Mask(random, 2, shape.Lkv);
        var output = new float[q.Length];
        var weights = new float[2 * shape.WeightsLength];

        foreach (ICrossAttention kernel in new[] { generated, new GenericCrossAttention(shape), new GenericCrossAttention(shape, KernelPath.GenericScalar) })
        {
            kernel.Attend(q, k, v, output, mask, weights); // first call: type initialization, pool warm-up
            kernel.Attend(q, k, v, output);
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 5; i++)
            {
                kernel.Attend(q, k, v, output, mask, weights);
                kernel.Attend(q, k, v, output);
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{name} {kernel.Path}: {allocated} bytes allocated in 10 calls");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_and_refilling_a_projected_context_allocate_nothing(string name)
    {
        ICrossAttention generated = TestKernels.Get(name);
        CrossAttentionShape shape = generated.Shape;
        var random = new Random(6);
        float[] queries = Data.Uniform(random, 2 * shape.QueryLength);
        float[] context = Data.Uniform(random, 2 * shape.Lkv * shape.KvDim);
        bool[] mask = Data.Mask(random, 2, shape.Lkv);
        var weights = CrossAttentionWeights.CreateRandom(shape, 6);
        var output = new float[queries.Length];
        var attention = new float[2 * shape.WeightsLength];

        foreach (ICrossAttention kernel in new[] { generated, new GenericCrossAttention(shape), new GenericCrossAttention(shape, KernelPath.GenericScalar) })
        {
            ProjectedContext projected = kernel.ProjectContext(context, weights);
            void Calls()
            {
                kernel.Forward(queries, context, weights, output, mask, attention);
                kernel.Forward(queries, context, weights, output);
                kernel.ProjectContext(context, weights, projected);
                kernel.Forward(queries, projected, weights, output, mask, attention);
                kernel.Forward(queries, projected, weights, output);
            }

            Calls(); // first calls: type initialization, pool warm-up
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 3; i++)
            {
                Calls();
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated == 0, $"{name} {kernel.Path}: {allocated} bytes allocated in 15 calls");
        }
    }
}
