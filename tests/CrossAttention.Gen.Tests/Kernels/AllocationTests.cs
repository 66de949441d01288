using System;
using System.Linq;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>SPEC §6: no allocation on any Attend or Forward call (after the first call of a type), generated or generic.</summary>
[Collection(nameof(GlobalParallelism))]
public sealed class AllocationTests
{
    /// <summary>
    /// Bytes the calling thread allocates running <paramref name="calls"/>, measured in up to three rounds: an
    /// allocation per call shows in every round, while a one-off of the runtime's (a tier-up, a pool refill after a
    /// concurrent test) shows in one. Returns 0 for the first clean round, else the smallest count seen.
    /// </summary>
    internal static long AllocatedPerRound(Action calls, out string rounds)
    {
        var seen = new System.Collections.Generic.List<long>();
        for (int round = 0; round < 3; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            calls();
            seen.Add(GC.GetAllocatedBytesForCurrentThread() - before);
            if (seen[^1] == 0)
            {
                break;
            }
        }

        rounds = string.Join(", ", seen);
        return seen.Min();
    }

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

        foreach ((_, ICrossAttention kernel) in TestKernels.Implementations(name))
        {
            kernel.Attend(q, k, v, output, mask, weights); // first call: type initialization, scratch warm-up
            kernel.Attend(q, k, v, output);
            long allocated = AllocatedPerRound(() =>
            {
                for (int i = 0; i < 5; i++)
                {
                    kernel.Attend(q, k, v, output, mask, weights);
                    kernel.Attend(q, k, v, output);
                }
            }, out string rounds);
            Assert.True(allocated == 0, $"{name} {kernel.Path}: bytes allocated by rounds of 10 calls: {rounds}");
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

        foreach ((_, ICrossAttention kernel) in TestKernels.Implementations(name))
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

            Calls(); // first calls: type initialization, scratch warm-up
            long allocated = AllocatedPerRound(() =>
            {
                for (int i = 0; i < 3; i++)
                {
                    Calls();
                }
            }, out string rounds);
            Assert.True(allocated == 0, $"{name} {kernel.Path}: bytes allocated by rounds of 15 calls: {rounds}");
        }
    }
}
