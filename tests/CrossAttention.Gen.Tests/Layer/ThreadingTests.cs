using System;
using CrossAttention.Gen.Tests.Kernels;
using CrossAttention.Gen.Tests.Support;
using CrossAttention.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Layer;

/// <summary>
/// SPEC §6: results do not depend on the number of threads — bitwise, for Attend, Forward and the projected-context
/// step, generated and generic — and a split call allocates nothing once the workers exist.
/// </summary>
[Collection(nameof(GlobalParallelism))]
public sealed class ThreadingTests : IDisposable
{
    public ThreadingTests() => KernelParallel.MinimumFlops = 0; // split every call, whatever its size

    public void Dispose()
    {
        KernelParallel.MinimumFlops = KernelParallel.DefaultMinimumFlops;
        CrossAttentionKernels.DegreeOfParallelism = 1;
    }

    public static TheoryDataNames Names => TestKernels.Names;

    private static (float[] Attend, float[] AttendWeights, float[] Forward, float[] ForwardWeights, float[] Step) RunAll(
        ICrossAttention kernel, int threads)
    {
        CrossAttentionKernels.DegreeOfParallelism = threads;
        CrossAttentionShape shape = kernel.Shape;
        const int Batch = 3;
        var random = new Random(43);
        float[] q = Data.Uniform(random, Batch * shape.QueryLength);
        float[] k = Data.Uniform(random, Batch * shape.KeyValueLength);
        float[] v = Data.Uniform(random, Batch * shape.KeyValueLength);
        float[] context = Data.Uniform(random, Batch * shape.Lkv * shape.KvDim);
        bool[] mask = Data.Mask(random, Batch, shape.Lkv, fullyMaskedItem: 1);
        var weights = CrossAttentionWeights.CreateRandom(shape, 43);

        float[] attend = new float[q.Length], attendWeights = new float[Batch * shape.WeightsLength];
        kernel.Attend(q, k, v, attend, mask, attendWeights);
        float[] forward = new float[q.Length], forwardWeights = new float[Batch * shape.WeightsLength];
        kernel.Forward(q, context, weights, forward, mask, forwardWeights);
        float[] step = new float[q.Length];
        kernel.Forward(q, kernel.ProjectContext(context, weights), weights, step);
        return (attend, attendWeights, forward, forwardWeights, step);
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Results_are_bitwise_identical_on_one_two_and_three_threads(string name)
    {
        foreach ((_, ICrossAttention kernel) in TestKernels.Implementations(name))
        {
            var one = RunAll(kernel, 1);
            long splitBefore = WorkerPool.SplitCalls;
            foreach (int threads in new[] { 2, 3 })
            {
                var many = RunAll(kernel, threads);
                string what = $"{name} {kernel.Path} on {threads} threads";
                Assert.True(one.Attend.AsSpan().SequenceEqual(many.Attend), what + ": Attend output");
                Assert.True(one.AttendWeights.AsSpan().SequenceEqual(many.AttendWeights), what + ": Attend weights");
                Assert.True(one.Forward.AsSpan().SequenceEqual(many.Forward), what + ": Forward output");
                Assert.True(one.ForwardWeights.AsSpan().SequenceEqual(many.ForwardWeights), what + ": Forward weights");
                Assert.True(one.Step.AsSpan().SequenceEqual(many.Step), what + ": projected-context step");
            }

            Assert.True(WorkerPool.SplitCalls > splitBefore, $"{name} {kernel.Path}: no call was split");
        }
    }

    [Fact]
    public void A_split_Forward_allocates_nothing_once_the_workers_exist()
    {
        CrossAttentionKernels.DegreeOfParallelism = 2;
        CrossAttentionShape shape = Medium.Shape;
        var random = new Random(47);
        float[] queries = Data.Uniform(random, 4 * shape.QueryLength);
        float[] context = Data.Uniform(random, 4 * shape.Lkv * shape.KvDim);
        var weights = CrossAttentionWeights.CreateRandom(shape, 47);
        var output = new float[queries.Length];

        Medium.Forward(queries, context, weights, output); // creates the worker
        long splitBefore = WorkerPool.SplitCalls;
        long allocated = AllocationTests.AllocatedPerRound(() =>
        {
            for (int i = 0; i < 3; i++)
            {
                Medium.Forward(queries, context, weights, output);
            }
        }, out string rounds);
        Assert.True(allocated == 0, $"bytes allocated by rounds of 3 split calls: {rounds}");
        Assert.True(WorkerPool.SplitCalls >= splitBefore + 3);
    }

    [Fact]
    public void The_degree_of_parallelism_is_validated()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossAttentionKernels.DegreeOfParallelism = 0);
        Assert.Throws<ArgumentOutOfRangeException>(() => CrossAttentionKernels.DegreeOfParallelism = 257);
        CrossAttentionKernels.DegreeOfParallelism = 2;
        Assert.Equal(2, CrossAttentionKernels.DegreeOfParallelism);
    }
}
