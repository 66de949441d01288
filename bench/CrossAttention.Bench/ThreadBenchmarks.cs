using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace CrossAttention.Bench;

/// <summary>
/// SPEC §9's threads target: the medium shape at batch 16, generated <c>Attend</c> and <c>Forward</c> on one thread
/// (each category's baseline) against two (<see cref="CrossAttentionKernels.DegreeOfParallelism"/> = 2), so Ratio reads
/// as the speed-up. Results are bitwise identical (the tests check it); the smoke run compares them too.
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ThreadBenchmarks : ICheckedBenchmarks
{
    private const int Batch = 16;
    private const string AttendCategory = "medium×16 Attend", ForwardCategory = "medium×16 Forward";

    private TensorBuffer _q = null!, _k = null!, _v = null!, _queries = null!, _context = null!, _output = null!;
    private CrossAttentionWeights _weights = null!;

    [GlobalSetup]
    public void Setup()
    {
        // 64-byte aligned, as every other case's inputs (TensorBuffer).
        CrossAttentionShape shape = MediumAttention.Shape;
        var random = new Random(16);
        (_q, _k, _v) = (TensorBuffer.Random(random, Batch * shape.QueryLength), TensorBuffer.Random(random, Batch * shape.KeyValueLength),
                        TensorBuffer.Random(random, Batch * shape.KeyValueLength));
        (_queries, _context) = (TensorBuffer.Random(random, Batch * shape.QueryLength), TensorBuffer.Random(random, Batch * shape.Lkv * shape.KvDim));
        _output = new TensorBuffer(Batch * shape.QueryLength);
        _weights = CrossAttentionWeights.CreateRandom(shape, 16);
    }

    [GlobalCleanup]
    public void Cleanup() => CrossAttentionKernels.DegreeOfParallelism = 1;

    Span<float> ICheckedBenchmarks.Output(string category, int index) => _output;

    [Benchmark(Baseline = true), BenchmarkCategory(AttendCategory)]
    public void Attend_OneThread() => Attend(1);

    [Benchmark, BenchmarkCategory(AttendCategory)]
    public void Attend_TwoThreads() => Attend(2);

    [Benchmark(Baseline = true), BenchmarkCategory(ForwardCategory)]
    public void Forward_OneThread() => Forward(1);

    [Benchmark, BenchmarkCategory(ForwardCategory)]
    public void Forward_TwoThreads() => Forward(2);

    private void Attend(int threads)
    {
        CrossAttentionKernels.DegreeOfParallelism = threads;
        MediumAttention.Attend(_q, _k, _v, _output);
    }

    private void Forward(int threads)
    {
        CrossAttentionKernels.DegreeOfParallelism = threads;
        MediumAttention.Forward(_queries, _context, _weights, _output);
    }
}
