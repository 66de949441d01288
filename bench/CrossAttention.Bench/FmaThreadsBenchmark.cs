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
    public float FmaOneThread() => Loop(_start);

    [Benchmark]
    public float FmaTwoThreads()
    {
        float other = 0f;
        Parallel.Invoke(() => other = Loop(_start), () => Loop(_start + 1));
        return other;
    }

    private static float Loop(float s)
    {
        // acc ← acc·0.999 + 0.001 converges to 1: no overflow or denormals, however many iterations.
        var m = Vector256.Create(0.999f);
        var a = Vector256.Create(0.001f);
        Vector256<float> a0 = Vector256.Create(s), a1 = Vector256.Create(s + 1), a2 = Vector256.Create(s + 2);
        Vector256<float> a3 = Vector256.Create(s + 3), a4 = Vector256.Create(s + 4), a5 = Vector256.Create(s + 5);
        Vector256<float> a6 = Vector256.Create(s + 6), a7 = Vector256.Create(s + 7), a8 = Vector256.Create(s + 8);
        Vector256<float> a9 = Vector256.Create(s + 9), a10 = Vector256.Create(s + 10), a11 = Vector256.Create(s + 11);
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector256.FusedMultiplyAdd(a0, m, a);
            a1 = Vector256.FusedMultiplyAdd(a1, m, a);
            a2 = Vector256.FusedMultiplyAdd(a2, m, a);
            a3 = Vector256.FusedMultiplyAdd(a3, m, a);
            a4 = Vector256.FusedMultiplyAdd(a4, m, a);
            a5 = Vector256.FusedMultiplyAdd(a5, m, a);
            a6 = Vector256.FusedMultiplyAdd(a6, m, a);
            a7 = Vector256.FusedMultiplyAdd(a7, m, a);
            a8 = Vector256.FusedMultiplyAdd(a8, m, a);
            a9 = Vector256.FusedMultiplyAdd(a9, m, a);
            a10 = Vector256.FusedMultiplyAdd(a10, m, a);
            a11 = Vector256.FusedMultiplyAdd(a11, m, a);
        }

        return Vector256.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
