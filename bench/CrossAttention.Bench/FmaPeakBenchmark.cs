using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace CrossAttention.Bench;

/// <summary>
/// This core's <c>Vector256</c> FMA throughput, measured in the same run as the kernels so their GFLOP/s can be read
/// as a fraction of it (SPEC §8). Twelve independent accumulators cover the FMA latency on both pipes (4 cycles × 2)
/// and, with the two operands, fit in the 16 ymm registers; the short <c>int</c>-counted loop has no call or GC
/// poll inside that would make the JIT spill them (SPEC §9 notes).
/// </summary>
public class FmaPeakBenchmark
{
    private const int Iterations = 1024;
    private const int Accumulators = 12;

    /// <summary>Two FLOPs per lane per FMA.</summary>
    internal static long FlopsPerCall => 2L * Iterations * Accumulators * Vector256<float>.Count;

    // Read from a field so the JIT cannot fold the loop into a constant.
    private readonly float _start = 1f;

    [Benchmark]
    public float FmaPeak() => Loop(_start, Iterations);

    /// <summary>
    /// The loop itself, <paramref name="iterations"/> times 12 FMAs from start values around <paramref name="s"/>
    /// (<see cref="FmaThreadsBenchmark"/> runs it too).
    /// </summary>
    internal static float Loop(float s, int iterations)
    {
        // acc ← acc·0.999 + 0.001 converges to 1: no overflow or denormals, however many iterations.
        var m = Vector256.Create(0.999f);
        var a = Vector256.Create(0.001f);

        // Distinct start values keep the JIT from merging identical chains.
        Vector256<float> a0 = Vector256.Create(s), a1 = Vector256.Create(s + 1), a2 = Vector256.Create(s + 2);
        Vector256<float> a3 = Vector256.Create(s + 3), a4 = Vector256.Create(s + 4), a5 = Vector256.Create(s + 5);
        Vector256<float> a6 = Vector256.Create(s + 6), a7 = Vector256.Create(s + 7), a8 = Vector256.Create(s + 8);
        Vector256<float> a9 = Vector256.Create(s + 9), a10 = Vector256.Create(s + 10), a11 = Vector256.Create(s + 11);
        for (int i = 0; i < iterations; i++)
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
