using System.Runtime.Intrinsics;
using System.Threading.Tasks;
using BenchmarkDotNet.Attributes;

namespace CrossAttention.Bench;

/// <summary>
/// The <see cref="FmaPeakBenchmark"/> loop, long enough (≈ 2 ms) for a thread hand-off not to count, on one thread and
/// on two at once: how much FMA throughput a second thread adds on this machine, the ceiling of any "2 threads vs 1"
/// figure for code that runs near the FMA peak. (A virtual machine's two vCPUs may be one core's two hardware threads,
/// which share its FMA units.)
/// </summary>
public class FmaThreadsBenchmark
{
    private const int Iterations = 1 << 20;
    private const int Accumulators = 12;

    /// <summary>Two FLOPs per lane per FMA, per thread.</summary>
    internal static long FlopsPerThread => 2L * Iterations * Accumulators * Vector256<float>.Count;

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
}
