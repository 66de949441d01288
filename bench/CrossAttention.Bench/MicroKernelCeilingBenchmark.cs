using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace CrossAttention.Bench;

/// <summary>
/// The ceiling of a projection in JIT-compiled code on this core: the register-blocked micro-kernel of packed GEMM
/// libraries (MLAS, oneDNN) — 6 rows × 16 outputs in 12 <c>Vector256</c> accumulators, each loaded weight vector feeding
/// six FMAs, each broadcast input two — on data that stays in the L1 cache, with no packing, no tails and no
/// reduction. A projection can only lose against it (its weights come from L2 or L3, its rows end), so its GFLOP/s
/// bound what any projection layout reaches here, and the gap to <see cref="FmaPeakBenchmark"/> is the cost of the
/// loads, broadcasts and loop the arithmetic cannot do without.
/// </summary>
public class MicroKernelCeilingBenchmark
{
    private const int Rows = 6;
    private const int Outputs = 16;
    private const int Inputs = 128;
    private const int Calls = 64;

    /// <summary>Two FLOPs per multiply-add.</summary>
    internal static long FlopsPerCall => 2L * Calls * Rows * Outputs * Inputs;

    private readonly float[] _x = new float[Rows * Inputs];
    private readonly float[] _panel = new float[Inputs * Outputs];
    private readonly float[] _y = new float[Rows * Outputs];

    [GlobalSetup]
    public void Setup()
    {
        var random = new System.Random(8);
        for (int i = 0; i < _x.Length; i++)
        {
            _x[i] = random.NextSingle() - 0.5f;
        }

        for (int i = 0; i < _panel.Length; i++)
        {
            _panel[i] = random.NextSingle() - 0.5f;
        }
    }

    [Benchmark]
    public float MicroKernelInL1()
    {
        for (int i = 0; i < Calls; i++)
        {
            Block6x16(ref _x[0], ref _panel[0], ref _y[0]);
        }

        return _y[0] + _y[^1];
    }

    /// <summary>y[6, 16] = x[6, 128] · panel[128, 16]: per input, two weight loads and six broadcasts feed 12 FMAs.</summary>
    private static void Block6x16(ref float x0, ref float panel, ref float y)
    {
        ref float x1 = ref Unsafe.Add(ref x0, Inputs);
        ref float x2 = ref Unsafe.Add(ref x0, 2 * Inputs);
        ref float x3 = ref Unsafe.Add(ref x0, 3 * Inputs);
        ref float x4 = ref Unsafe.Add(ref x0, 4 * Inputs);
        ref float x5 = ref Unsafe.Add(ref x0, 5 * Inputs);
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector256<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        for (int k = 0; k < Inputs; k++)
        {
            ref float pk = ref Unsafe.Add(ref panel, k * Outputs);
            Vector256<float> w0 = Vector256.LoadUnsafe(ref pk), w1 = Vector256.LoadUnsafe(ref pk, 8);
            Vector256<float> xv = Vector256.Create(Unsafe.Add(ref x0, k));
            a00 = Vector256.FusedMultiplyAdd(xv, w0, a00);
            a01 = Vector256.FusedMultiplyAdd(xv, w1, a01);
            xv = Vector256.Create(Unsafe.Add(ref x1, k));
            a10 = Vector256.FusedMultiplyAdd(xv, w0, a10);
            a11 = Vector256.FusedMultiplyAdd(xv, w1, a11);
            xv = Vector256.Create(Unsafe.Add(ref x2, k));
            a20 = Vector256.FusedMultiplyAdd(xv, w0, a20);
            a21 = Vector256.FusedMultiplyAdd(xv, w1, a21);
            xv = Vector256.Create(Unsafe.Add(ref x3, k));
            a30 = Vector256.FusedMultiplyAdd(xv, w0, a30);
            a31 = Vector256.FusedMultiplyAdd(xv, w1, a31);
            xv = Vector256.Create(Unsafe.Add(ref x4, k));
            a40 = Vector256.FusedMultiplyAdd(xv, w0, a40);
            a41 = Vector256.FusedMultiplyAdd(xv, w1, a41);
            xv = Vector256.Create(Unsafe.Add(ref x5, k));
            a50 = Vector256.FusedMultiplyAdd(xv, w0, a50);
            a51 = Vector256.FusedMultiplyAdd(xv, w1, a51);
        }

        a00.StoreUnsafe(ref y);
        a01.StoreUnsafe(ref y, 8);
        a10.StoreUnsafe(ref y, Outputs);
        a11.StoreUnsafe(ref y, Outputs + 8);
        a20.StoreUnsafe(ref y, 2 * Outputs);
        a21.StoreUnsafe(ref y, 2 * Outputs + 8);
        a30.StoreUnsafe(ref y, 3 * Outputs);
        a31.StoreUnsafe(ref y, 3 * Outputs + 8);
        a40.StoreUnsafe(ref y, 4 * Outputs);
        a41.StoreUnsafe(ref y, 4 * Outputs + 8);
        a50.StoreUnsafe(ref y, 5 * Outputs);
        a51.StoreUnsafe(ref y, 5 * Outputs + 8);
    }
}
