using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace CrossAttention.Bench;

/// <summary>
/// The <see cref="FmaPeakBenchmark"/> loop, long enough (≈ 2 ms) for a thread hand-off not to count, on one thread and
/// on two at once: how much FMA throughput a second thread adds on this machine, the ceiling of any "2 threads vs 1"
/// figure for code that runs near the FMA peak. (A virtual machine's two vCPUs may be one core's two hardware threads,
/// which share its FMA units.) The same on <c>Vector512</c> where AVX-512 is accelerated: the generated kernels' widest
/// tier, and a heavier load, so two cores at once may clock lower than one.
/// </summary>
public class FmaThreadsBenchmark
{
    private const int Iterations = 1 << 20;
    private const int Accumulators = 12;

    /// <summary>Two FLOPs per lane per FMA, per thread.</summary>
    internal static long FlopsPerThread => 2L * Iterations * Accumulators * Vector256<float>.Count;

    /// <summary>The same on <c>Vector512</c>: half the iterations, so a call takes about as long where 512-bit FMAs run at full width.</summary>
    internal static long FlopsPerThread512 => 2L * (Iterations / 2) * Accumulators * Vector512<float>.Count;

    // Read from a field so the JIT cannot fold the loop into a constant.
    private readonly float _start = 1f;

    [Benchmark]
    public float FmaOneThread() => FmaPeakBenchmark.Loop(_start, Iterations);

    [Benchmark]
    public float FmaTwoThreads()
    {
        float other = 0f;
        Parallel.Invoke(() => other = FmaPeakBenchmark.Loop(_start, Iterations), () => FmaPeakBenchmark.Loop(_start + 1, Iterations));
        return other;
    }

    [Benchmark]
    public float Fma512OneThread() => Vector512FmaPeakBenchmark.Loop(_start, Iterations / 2);

    [Benchmark]
    public float Fma512TwoThreads()
    {
        float other = 0f;
        Parallel.Invoke(() => other = Vector512FmaPeakBenchmark.Loop(_start, Iterations / 2),
                        () => Vector512FmaPeakBenchmark.Loop(_start + 1, Iterations / 2));
        return other;
    }
}
