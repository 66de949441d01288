using System;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>SPEC §6: no allocation on any Attend call (after the first call of a type), generated or generic.</summary>
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
}
