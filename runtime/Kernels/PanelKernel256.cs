using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CrossAttention.Kernels;

/// <summary>
/// <see cref="PanelLinear{TKernel}"/> on AVX2 with FMA: a register block of 16 rows × 6 outputs (12 accumulators, two
/// panel vectors and a broadcast: 15 of AVX2's 16 registers) takes two aligned panel loads and 6 broadcast weights per
/// 12 FMAs; a panel of at most 8 rows, packed in pairs of inputs, 8 rows × 6 outputs the same way (two panel loads and 6
/// broadcast pairs of weights per 12 FMAs). Each block's sums, bias added, go to the driver's stage a vector of rows at a
/// time; 8 × 8 transposes take the stage into y's rows.
/// </summary>
internal readonly unsafe struct Avx2Panel : IPanelKernel
{
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    public static int Lanes => 8;

    public static int BlockOutputs => 6;

    /// <summary>Floats from one input's row of a panel to the next: two vectors.</summary>
    private const int PanelStride = 16;

    public static void ProjectRows(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>
        VectorLinear<Width256, Vector256<float>>.Project(x, rows, w, b, y);

    public static void ProjectRange(float* x, int rows, int inputs, float* w, float* b, int outputs, float* y, int first, int last) =>
        VectorLinear<Width256, Vector256<float>>.ProjectRange(ref *x, rows, inputs, ref *w, ref *b, outputs, ref *y, first, last);

    /// <summary>More than 8 rows in the transposed panel of <see cref="Block16x6"/>, else in pairs of inputs for <see cref="Pair8x6"/>.</summary>
    public static void Pack(float* x, int count, int inputs, float* panel)
    {
        if (count > 8)
        {
            PanelLinear<Avx2Panel>.PackTransposed(x, count, inputs, panel);
        }
        else
        {
            PanelLinear<Avx2Panel>.PackPairs(x, count, inputs, panel);
        }
    }

    public static void Block(float* panel, int inputs, float* w, float* b, int count, float* stage)
    {
        if (count > 8)
        {
            Block16x6(panel, inputs, w, b, stage);
        }
        else
        {
            Pair8x6(panel, inputs, w, b, stage);
        }
    }

    /// <summary>
    /// Unpacking pairs of rows, then pairs of pairs, gives 4 × 4 transposes in each 128-bit half; swapping halves between
    /// rows 0–3 and 4–7 finishes the 8 × 8.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Transpose(float* source, nint sourceStride, float* destination, nint destinationStride)
    {
        Vector256<float> r0 = Vector256.Load(source), r1 = Vector256.Load(source + sourceStride);
        Vector256<float> r2 = Vector256.Load(source + (2 * sourceStride)), r3 = Vector256.Load(source + (3 * sourceStride));
        Vector256<float> r4 = Vector256.Load(source + (4 * sourceStride)), r5 = Vector256.Load(source + (5 * sourceStride));
        Vector256<float> r6 = Vector256.Load(source + (6 * sourceStride)), r7 = Vector256.Load(source + (7 * sourceStride));
        Vector256<float> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Vector256<float> t4 = Avx.UnpackLow(r4, r5), t5 = Avx.UnpackHigh(r4, r5), t6 = Avx.UnpackLow(r6, r7), t7 = Avx.UnpackHigh(r6, r7);
        Vector256<float> s0 = Avx.Shuffle(t0, t2, 0x44), s1 = Avx.Shuffle(t0, t2, 0xEE), s2 = Avx.Shuffle(t1, t3, 0x44), s3 = Avx.Shuffle(t1, t3, 0xEE);
        Vector256<float> s4 = Avx.Shuffle(t4, t6, 0x44), s5 = Avx.Shuffle(t4, t6, 0xEE), s6 = Avx.Shuffle(t5, t7, 0x44), s7 = Avx.Shuffle(t5, t7, 0xEE);
        Avx.Permute2x128(s0, s4, 0x20).Store(destination);
        Avx.Permute2x128(s1, s5, 0x20).Store(destination + destinationStride);
        Avx.Permute2x128(s2, s6, 0x20).Store(destination + (2 * destinationStride));
        Avx.Permute2x128(s3, s7, 0x20).Store(destination + (3 * destinationStride));
        Avx.Permute2x128(s0, s4, 0x31).Store(destination + (4 * destinationStride));
        Avx.Permute2x128(s1, s5, 0x31).Store(destination + (5 * destinationStride));
        Avx.Permute2x128(s2, s6, 0x31).Store(destination + (6 * destinationStride));
        Avx.Permute2x128(s3, s7, 0x31).Store(destination + (7 * destinationStride));
    }

    /// <summary>
    /// Outputs [0, 6) (W's rows at <paramref name="w"/>) of a panel of 9–16 rows, into the stage (see
    /// <see cref="IPanelKernel.Block"/>).
    /// </summary>
    /// <remarks>A method of its own, called once per 6 outputs × 16 rows × all inputs, so that its accumulators stay in registers.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block16x6(float* panel, int inputs, float* w, float* b, float* stage)
    {
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector256<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        // A pointer per row of W (one addressing mode per broadcast, no index arithmetic: at 12 FMAs per iteration the
        // loop is near the 6 instructions a cycle Zen 4 dispatches).
        nint s = inputs;
        float* w0 = w, w1 = w + s, w2 = w + (2 * s), w3 = w + (3 * s), w4 = w + (4 * s), w5 = w + (5 * s), p = panel;
        for (nint i = 0; i < s; i++, p += PanelStride)
        {
            Vector256<float> p0 = Vector256.LoadAligned(p), p1 = Vector256.LoadAligned(p + 8), v;
            v = Vector256.Create(w0[i]);
            a00 = Vector256.FusedMultiplyAdd(v, p0, a00);
            a01 = Vector256.FusedMultiplyAdd(v, p1, a01);
            v = Vector256.Create(w1[i]);
            a10 = Vector256.FusedMultiplyAdd(v, p0, a10);
            a11 = Vector256.FusedMultiplyAdd(v, p1, a11);
            v = Vector256.Create(w2[i]);
            a20 = Vector256.FusedMultiplyAdd(v, p0, a20);
            a21 = Vector256.FusedMultiplyAdd(v, p1, a21);
            v = Vector256.Create(w3[i]);
            a30 = Vector256.FusedMultiplyAdd(v, p0, a30);
            a31 = Vector256.FusedMultiplyAdd(v, p1, a31);
            v = Vector256.Create(w4[i]);
            a40 = Vector256.FusedMultiplyAdd(v, p0, a40);
            a41 = Vector256.FusedMultiplyAdd(v, p1, a41);
            v = Vector256.Create(w5[i]);
            a50 = Vector256.FusedMultiplyAdd(v, p0, a50);
            a51 = Vector256.FusedMultiplyAdd(v, p1, a51);
        }

        // Output k's sums over the panel's rows are the lanes of a(k)0 (rows 0–7) and a(k)1 (rows 8–15).
        Stage(stage, a00, a01, b[0]);
        Stage(stage + 16, a10, a11, b[1]);
        Stage(stage + 32, a20, a21, b[2]);
        Stage(stage + 48, a30, a31, b[3]);
        Stage(stage + 64, a40, a41, b[4]);
        Stage(stage + 80, a50, a51, b[5]);
    }

    /// <summary>
    /// Outputs [0, 6) (W's rows at <paramref name="w"/>) of a panel of at most 8 rows into the stage, the panel in pairs
    /// of inputs (<see cref="PanelLinear{TKernel}.PackPairs"/>): two panel vectors and 6 broadcast pairs
    /// of weights per 12 FMAs, the load-to-FMA ratio of <see cref="Block16x6"/>. Each accumulator lane sums every other
    /// input of a row; the two halves are added once, at the end.
    /// </summary>
    /// <remarks>
    /// One input at a time (one panel vector and a broadcast per FMA), side by side on a Zen 5 (CPU family 26), two
    /// projections into 512 outputs: 8 rows × 512 inputs took 1.39× this kernel's time, 8 × 768 1.42×, 24 × 512 (16 + 8)
    /// 1.15×, 20 × 513 (16 + 4, an odd last input) 1.12×.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Pair8x6(float* panel, int inputs, float* w, float* b, float* stage)
    {
        Vector256<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector256<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        nint s = inputs, even = s & ~(nint)1;
        float* w0 = w, w1 = w + s, w2 = w + (2 * s), w3 = w + (3 * s), w4 = w + (4 * s), w5 = w + (5 * s), p = panel;
        for (nint i = 0; i < even; i += 2, p += PanelStride)
        {
            Vector256<float> p0 = Vector256.LoadAligned(p), p1 = Vector256.LoadAligned(p + 8), v;
            v = Pair(w0 + i);
            a00 = Vector256.FusedMultiplyAdd(v, p0, a00);
            a01 = Vector256.FusedMultiplyAdd(v, p1, a01);
            v = Pair(w1 + i);
            a10 = Vector256.FusedMultiplyAdd(v, p0, a10);
            a11 = Vector256.FusedMultiplyAdd(v, p1, a11);
            v = Pair(w2 + i);
            a20 = Vector256.FusedMultiplyAdd(v, p0, a20);
            a21 = Vector256.FusedMultiplyAdd(v, p1, a21);
            v = Pair(w3 + i);
            a30 = Vector256.FusedMultiplyAdd(v, p0, a30);
            a31 = Vector256.FusedMultiplyAdd(v, p1, a31);
            v = Pair(w4 + i);
            a40 = Vector256.FusedMultiplyAdd(v, p0, a40);
            a41 = Vector256.FusedMultiplyAdd(v, p1, a41);
            v = Pair(w5 + i);
            a50 = Vector256.FusedMultiplyAdd(v, p0, a50);
            a51 = Vector256.FusedMultiplyAdd(v, p1, a51);
        }

        if (even != s)
        {
            // The last input alone: its weight in the even lanes only (see the 512-bit kernel's Pair16x12).
            Vector256<float> p0 = Vector256.LoadAligned(p), p1 = Vector256.LoadAligned(p + 8), v;
            Vector256<float> evenLanes = Vector256.Create(0xFFFFFFFFL).AsSingle();
            nint i = even;
            v = Vector256.Create(w0[i]) & evenLanes;
            a00 = Vector256.FusedMultiplyAdd(v, p0, a00);
            a01 = Vector256.FusedMultiplyAdd(v, p1, a01);
            v = Vector256.Create(w1[i]) & evenLanes;
            a10 = Vector256.FusedMultiplyAdd(v, p0, a10);
            a11 = Vector256.FusedMultiplyAdd(v, p1, a11);
            v = Vector256.Create(w2[i]) & evenLanes;
            a20 = Vector256.FusedMultiplyAdd(v, p0, a20);
            a21 = Vector256.FusedMultiplyAdd(v, p1, a21);
            v = Vector256.Create(w3[i]) & evenLanes;
            a30 = Vector256.FusedMultiplyAdd(v, p0, a30);
            a31 = Vector256.FusedMultiplyAdd(v, p1, a31);
            v = Vector256.Create(w4[i]) & evenLanes;
            a40 = Vector256.FusedMultiplyAdd(v, p0, a40);
            a41 = Vector256.FusedMultiplyAdd(v, p1, a41);
            v = Vector256.Create(w5[i]) & evenLanes;
            a50 = Vector256.FusedMultiplyAdd(v, p0, a50);
            a51 = Vector256.FusedMultiplyAdd(v, p1, a51);
        }

        // a(k)0 holds rows 0–3 and a(k)1 rows 4–7, lanes (row, even input) and (row, odd input).
        (Halves(a00, a01) + Vector256.Create(b[0])).Store(stage);
        (Halves(a10, a11) + Vector256.Create(b[1])).Store(stage + 16);
        (Halves(a20, a21) + Vector256.Create(b[2])).Store(stage + 32);
        (Halves(a30, a31) + Vector256.Create(b[3])).Store(stage + 48);
        (Halves(a40, a41) + Vector256.Create(b[4])).Store(stage + 64);
        (Halves(a50, a51) + Vector256.Create(b[5])).Store(stage + 80);
    }

    /// <summary>Two consecutive weights, repeated in every pair of lanes (one 8-byte broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Pair(float* w) => Vector256.Create(Unsafe.ReadUnaligned<double>(w)).AsSingle();

    /// <summary>
    /// Row r's sum in lane r: even lanes plus odd lanes of rows 0–3 (<paramref name="low"/>) and 4–7
    /// (<paramref name="high"/>). Within each 128-bit half the shuffles give rows (0, 1, 4, 5 | 2, 3, 6, 7); one
    /// permute puts them in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Halves(Vector256<float> low, Vector256<float> high) =>
        Avx2.PermuteVar8x32(Avx.Shuffle(low, high, 0b10_00_10_00) + Avx.Shuffle(low, high, 0b11_01_11_01), Vector256.Create(0, 1, 4, 5, 2, 3, 6, 7));

    /// <summary>
    /// Four rows of 8 values (<paramref name="stride"/> floats apart) as 4 × 4 pairs, transposed: pair q of every row
    /// into the vector at <c>destination + 16q</c>.
    /// </summary>
    public static void TransposePairs(float* source, nint stride, float* destination)
    {
        Vector256<double> r0 = Vector256.Load((double*)source), r1 = Vector256.Load((double*)(source + stride));
        Vector256<double> r2 = Vector256.Load((double*)(source + (2 * stride))), r3 = Vector256.Load((double*)(source + (3 * stride)));
        Vector256<double> t0 = Avx.UnpackLow(r0, r1), t1 = Avx.UnpackHigh(r0, r1), t2 = Avx.UnpackLow(r2, r3), t3 = Avx.UnpackHigh(r2, r3);
        Avx.Permute2x128(t0, t2, 0x20).AsSingle().StoreAligned(destination);
        Avx.Permute2x128(t1, t3, 0x20).AsSingle().StoreAligned(destination + PanelStride);
        Avx.Permute2x128(t0, t2, 0x31).AsSingle().StoreAligned(destination + (2 * PanelStride));
        Avx.Permute2x128(t1, t3, 0x31).AsSingle().StoreAligned(destination + (3 * PanelStride));
    }

    /// <summary>Output k's sums for a panel's 16 rows, <paramref name="bias"/> added, into the stage's row k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stage(float* row, Vector256<float> low, Vector256<float> high, float bias)
    {
        Vector256<float> add = Vector256.Create(bias);
        (low + add).Store(row);
        (high + add).Store(row + 8);
    }

    public static void StoreRows(float* tile, int rows, int width, float* y, int outputs)
    {
        Vector256<float> keep = OutputMask(width);
        for (int t = 0; t < rows; t++)
        {
            Avx.MaskStore(y + ((nint)t * outputs), keep, Vector256.Load(tile + (8 * t)));
        }
    }

    /// <summary>All bits set in the first <paramref name="lanes"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> OutputMask(int lanes) =>
        Vector256.LessThan(Vector256<int>.Indices, Vector256.Create(lanes)).AsSingle();
}
