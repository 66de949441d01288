using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace CrossAttention.Bench;

/// <summary>
/// The same FMA loop as <see cref="FmaPeakBenchmark"/> on <c>Vector512</c>: what this core reaches with AVX-512. On Zen 4
/// it equals the <c>Vector256</c> peak (512-bit operations are split in two); on Zen 5, whose datapath is 512 bits wide,
/// it is twice that — which is why ONNX Runtime's AVX-512 kernels can pass the <c>Vector256</c> peak there.
/// </summary>
public class Vector512FmaPeakBenchmark
{
    private const int Iterations = 1024;
    private const int Accumulators = 12;

    /// <summary>Two FLOPs per lane per FMA.</summary>
    internal static long FlopsPerCall => 2L * Iterations * Accumulators * Vector512<float>.Count;

    private readonly float _start = 1f;

    [Benchmark]
    public float FmaPeak512() => Loop(_start, Iterations);

    /// <summary>
    /// The loop itself, <paramref name="iterations"/> times 12 FMAs from start values around <paramref name="s"/>
    /// (<see cref="FmaThreadsBenchmark"/> runs it too).
    /// </summary>
    internal static float Loop(float s, int iterations)
    {
        var m = Vector512.Create(0.999f);
        var a = Vector512.Create(0.001f);
        Vector512<float> a0 = Vector512.Create(s), a1 = Vector512.Create(s + 1), a2 = Vector512.Create(s + 2);
        Vector512<float> a3 = Vector512.Create(s + 3), a4 = Vector512.Create(s + 4), a5 = Vector512.Create(s + 5);
        Vector512<float> a6 = Vector512.Create(s + 6), a7 = Vector512.Create(s + 7), a8 = Vector512.Create(s + 8);
        Vector512<float> a9 = Vector512.Create(s + 9), a10 = Vector512.Create(s + 10), a11 = Vector512.Create(s + 11);
        for (int i = 0; i < iterations; i++)
        {
            a0 = Vector512.FusedMultiplyAdd(a0, m, a);
            a1 = Vector512.FusedMultiplyAdd(a1, m, a);
            a2 = Vector512.FusedMultiplyAdd(a2, m, a);
            a3 = Vector512.FusedMultiplyAdd(a3, m, a);
            a4 = Vector512.FusedMultiplyAdd(a4, m, a);
            a5 = Vector512.FusedMultiplyAdd(a5, m, a);
            a6 = Vector512.FusedMultiplyAdd(a6, m, a);
            a7 = Vector512.FusedMultiplyAdd(a7, m, a);
            a8 = Vector512.FusedMultiplyAdd(a8, m, a);
            a9 = Vector512.FusedMultiplyAdd(a9, m, a);
            a10 = Vector512.FusedMultiplyAdd(a10, m, a);
            a11 = Vector512.FusedMultiplyAdd(a11, m, a);
        }

        return Vector512.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
