using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace CrossAttention.Bench;

/// <summary>
/// The same FMA loop as <see cref="FmaPeakBenchmark"/> on <c>Vector128</c>: the peak of the <c>Specialized128</c> tier
/// (the ARM64 tier, which x86 CPUs with FMA run too). On x86 a 128-bit FMA takes the same pipe as a 256-bit one, so it
/// is about half the <c>Vector256</c> peak there.
/// </summary>
public class Vector128FmaPeakBenchmark
{
    private const int Iterations = 1024;
    private const int Accumulators = 12;

    /// <summary>Two FLOPs per lane per FMA.</summary>
    internal static long FlopsPerCall => 2L * Iterations * Accumulators * Vector128<float>.Count;

    private readonly float _start = 1f;

    [Benchmark]
    public float FmaPeak128()
    {
        var m = Vector128.Create(0.999f);
        var a = Vector128.Create(0.001f);
        float s = _start;
        Vector128<float> a0 = Vector128.Create(s), a1 = Vector128.Create(s + 1), a2 = Vector128.Create(s + 2);
        Vector128<float> a3 = Vector128.Create(s + 3), a4 = Vector128.Create(s + 4), a5 = Vector128.Create(s + 5);
        Vector128<float> a6 = Vector128.Create(s + 6), a7 = Vector128.Create(s + 7), a8 = Vector128.Create(s + 8);
        Vector128<float> a9 = Vector128.Create(s + 9), a10 = Vector128.Create(s + 10), a11 = Vector128.Create(s + 11);
        for (int i = 0; i < Iterations; i++)
        {
            a0 = Vector128.FusedMultiplyAdd(a0, m, a);
            a1 = Vector128.FusedMultiplyAdd(a1, m, a);
            a2 = Vector128.FusedMultiplyAdd(a2, m, a);
            a3 = Vector128.FusedMultiplyAdd(a3, m, a);
            a4 = Vector128.FusedMultiplyAdd(a4, m, a);
            a5 = Vector128.FusedMultiplyAdd(a5, m, a);
            a6 = Vector128.FusedMultiplyAdd(a6, m, a);
            a7 = Vector128.FusedMultiplyAdd(a7, m, a);
            a8 = Vector128.FusedMultiplyAdd(a8, m, a);
            a9 = Vector128.FusedMultiplyAdd(a9, m, a);
            a10 = Vector128.FusedMultiplyAdd(a10, m, a);
            a11 = Vector128.FusedMultiplyAdd(a11, m, a);
        }

        return Vector128.Sum(a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11);
    }
}
