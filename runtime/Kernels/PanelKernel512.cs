using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CrossAttention.Kernels;

/// <summary>
/// <see cref="PanelLinear{TKernel}"/> on AVX-512: a register block of 32 rows × 12 outputs (24 accumulators of the 32
/// registers) takes two aligned panel loads and 12 broadcast weights per 24 FMAs; a panel of at most 16 rows, packed in
/// pairs of inputs, 16 rows × 12 outputs the same way (two panel loads and 12 broadcast pairs of weights per 24 FMAs).
/// Each block's sums, bias added, go to the driver's stage a vector of rows at a time; 16 × 16 transposes take the stage
/// into y's rows.
/// </summary>
/// <remarks>
/// Measured side by side against <see cref="VectorLinear{TWidth, TVector}"/> on a Zen 4 (CPU family 25), 512 inputs
/// and outputs: 16 rows 1.03–1.19×, 32 rows 1.26×, 256 rows 1.15×, 49 rows × 768 → 1024 1.10× faster; 8 rows 0.7×
/// (half a panel of padding), hence the driver's minimum of one vector of rows.
/// </remarks>
internal readonly unsafe struct Avx512Panel : IPanelKernel
{
    public static bool IsSupported => Avx512F.IsSupported;

    public static int Lanes => 16;

    public static int BlockOutputs => 12;

    /// <summary>Floats from one input's row of a panel to the next: two vectors.</summary>
    private const int PanelStride = 32;

    public static void ProjectRows(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>
        VectorLinear<Width512, Vector512<float>>.Project(x, rows, w, b, y);

    public static void ProjectRange(float* x, int rows, int inputs, float* w, float* b, int outputs, float* y, int first, int last) =>
        VectorLinear<Width512, Vector512<float>>.ProjectRange(ref *x, rows, inputs, ref *w, ref *b, outputs, ref *y, first, last);

    public static void Block(float* panel, int inputs, float* w, float* b, int count, float* stage)
    {
        if (count > 16)
        {
            Block32x12(panel, inputs, w, b, stage);
        }
        else
        {
            Pair16x12(panel, inputs, w, b, stage);
        }
    }

    /// <summary>More than 16 rows in the transposed panel of <see cref="Block32x12"/>, else in pairs of inputs for <see cref="Pair16x12"/>.</summary>
    public static void Pack(float* x, int count, int inputs, float* panel)
    {
        if (count > 16)
        {
            PanelLinear<Avx512Panel>.PackTransposed(x, count, inputs, panel);
        }
        else
        {
            PanelLinear<Avx512Panel>.PackPairs(x, count, inputs, panel);
        }
    }

    /// <summary>
    /// Four rounds of pairing row t with row t + 8 and interleaving them (lanes 0–7 into row 2t, lanes 8–15 into row
    /// 2t + 1) turn the 16 rows into columns.
    /// </summary>
    public static void Transpose(float* source, nint sourceStride, float* destination, nint destinationStride)
    {
        Vector512<int> low = Vector512.Create(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        Vector512<int> high = Vector512.Create(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        Vector512<float> r0 = Vector512.Load(source), r1 = Vector512.Load(source + sourceStride);
        Vector512<float> r2 = Vector512.Load(source + (2 * sourceStride)), r3 = Vector512.Load(source + (3 * sourceStride));
        Vector512<float> r4 = Vector512.Load(source + (4 * sourceStride)), r5 = Vector512.Load(source + (5 * sourceStride));
        Vector512<float> r6 = Vector512.Load(source + (6 * sourceStride)), r7 = Vector512.Load(source + (7 * sourceStride));
        Vector512<float> r8 = Vector512.Load(source + (8 * sourceStride)), r9 = Vector512.Load(source + (9 * sourceStride));
        Vector512<float> r10 = Vector512.Load(source + (10 * sourceStride)), r11 = Vector512.Load(source + (11 * sourceStride));
        Vector512<float> r12 = Vector512.Load(source + (12 * sourceStride)), r13 = Vector512.Load(source + (13 * sourceStride));
        Vector512<float> r14 = Vector512.Load(source + (14 * sourceStride)), r15 = Vector512.Load(source + (15 * sourceStride));
        for (int round = 0; round < 4; round++)
        {
            Vector512<float> t0 = Avx512F.PermuteVar16x32x2(r0, low, r8), t1 = Avx512F.PermuteVar16x32x2(r0, high, r8);
            Vector512<float> t2 = Avx512F.PermuteVar16x32x2(r1, low, r9), t3 = Avx512F.PermuteVar16x32x2(r1, high, r9);
            Vector512<float> t4 = Avx512F.PermuteVar16x32x2(r2, low, r10), t5 = Avx512F.PermuteVar16x32x2(r2, high, r10);
            Vector512<float> t6 = Avx512F.PermuteVar16x32x2(r3, low, r11), t7 = Avx512F.PermuteVar16x32x2(r3, high, r11);
            Vector512<float> t8 = Avx512F.PermuteVar16x32x2(r4, low, r12), t9 = Avx512F.PermuteVar16x32x2(r4, high, r12);
            Vector512<float> t10 = Avx512F.PermuteVar16x32x2(r5, low, r13), t11 = Avx512F.PermuteVar16x32x2(r5, high, r13);
            Vector512<float> t12 = Avx512F.PermuteVar16x32x2(r6, low, r14), t13 = Avx512F.PermuteVar16x32x2(r6, high, r14);
            Vector512<float> t14 = Avx512F.PermuteVar16x32x2(r7, low, r15), t15 = Avx512F.PermuteVar16x32x2(r7, high, r15);
            (r0, r1, r2, r3, r4, r5, r6, r7) = (t0, t1, t2, t3, t4, t5, t6, t7);
            (r8, r9, r10, r11, r12, r13, r14, r15) = (t8, t9, t10, t11, t12, t13, t14, t15);
        }

        r0.Store(destination);
        r1.Store(destination + destinationStride);
        r2.Store(destination + (2 * destinationStride));
        r3.Store(destination + (3 * destinationStride));
        r4.Store(destination + (4 * destinationStride));
        r5.Store(destination + (5 * destinationStride));
        r6.Store(destination + (6 * destinationStride));
        r7.Store(destination + (7 * destinationStride));
        r8.Store(destination + (8 * destinationStride));
        r9.Store(destination + (9 * destinationStride));
        r10.Store(destination + (10 * destinationStride));
        r11.Store(destination + (11 * destinationStride));
        r12.Store(destination + (12 * destinationStride));
        r13.Store(destination + (13 * destinationStride));
        r14.Store(destination + (14 * destinationStride));
        r15.Store(destination + (15 * destinationStride));
    }

    /// <summary>
    /// Outputs [0, 12) (W's rows at <paramref name="w"/>) of a panel of 17–32 rows, into the stage (see
    /// <see cref="IPanelKernel.Block"/>).
    /// </summary>
    /// <remarks>A method of its own, called once per 12 outputs × 32 rows × all inputs: inlined into the driver's loops, its 24 accumulators were spilled.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block32x12(float* panel, int inputs, float* w, float* b, float* stage)
    {
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector512<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        Vector512<float> a60 = default, a61 = default, a70 = default, a71 = default, a80 = default, a81 = default;
        Vector512<float> a90 = default, a91 = default, aa0 = default, aa1 = default, ab0 = default, ab1 = default;
        // A pointer per row of W: one addressing mode per broadcast, no index arithmetic in the loop.
        nint s = inputs;
        float* w0 = w, w1 = w + s, w2 = w + (2 * s), w3 = w + (3 * s), w4 = w + (4 * s), w5 = w + (5 * s);
        float* w6 = w + (6 * s), w7 = w + (7 * s), w8 = w + (8 * s), w9 = w + (9 * s), w10 = w + (10 * s), w11 = w + (11 * s), p = panel;
        for (nint i = 0; i < s; i++, p += PanelStride)
        {
            Vector512<float> p0 = Vector512.LoadAligned(p), p1 = Vector512.LoadAligned(p + 16), v;
            v = Vector512.Create(w0[i]);
            a00 = Vector512.FusedMultiplyAdd(v, p0, a00);
            a01 = Vector512.FusedMultiplyAdd(v, p1, a01);
            v = Vector512.Create(w1[i]);
            a10 = Vector512.FusedMultiplyAdd(v, p0, a10);
            a11 = Vector512.FusedMultiplyAdd(v, p1, a11);
            v = Vector512.Create(w2[i]);
            a20 = Vector512.FusedMultiplyAdd(v, p0, a20);
            a21 = Vector512.FusedMultiplyAdd(v, p1, a21);
            v = Vector512.Create(w3[i]);
            a30 = Vector512.FusedMultiplyAdd(v, p0, a30);
            a31 = Vector512.FusedMultiplyAdd(v, p1, a31);
            v = Vector512.Create(w4[i]);
            a40 = Vector512.FusedMultiplyAdd(v, p0, a40);
            a41 = Vector512.FusedMultiplyAdd(v, p1, a41);
            v = Vector512.Create(w5[i]);
            a50 = Vector512.FusedMultiplyAdd(v, p0, a50);
            a51 = Vector512.FusedMultiplyAdd(v, p1, a51);
            v = Vector512.Create(w6[i]);
            a60 = Vector512.FusedMultiplyAdd(v, p0, a60);
            a61 = Vector512.FusedMultiplyAdd(v, p1, a61);
            v = Vector512.Create(w7[i]);
            a70 = Vector512.FusedMultiplyAdd(v, p0, a70);
            a71 = Vector512.FusedMultiplyAdd(v, p1, a71);
            v = Vector512.Create(w8[i]);
            a80 = Vector512.FusedMultiplyAdd(v, p0, a80);
            a81 = Vector512.FusedMultiplyAdd(v, p1, a81);
            v = Vector512.Create(w9[i]);
            a90 = Vector512.FusedMultiplyAdd(v, p0, a90);
            a91 = Vector512.FusedMultiplyAdd(v, p1, a91);
            v = Vector512.Create(w10[i]);
            aa0 = Vector512.FusedMultiplyAdd(v, p0, aa0);
            aa1 = Vector512.FusedMultiplyAdd(v, p1, aa1);
            v = Vector512.Create(w11[i]);
            ab0 = Vector512.FusedMultiplyAdd(v, p0, ab0);
            ab1 = Vector512.FusedMultiplyAdd(v, p1, ab1);
        }

        // Output k's sums over the panel's rows are the lanes of a(k)0 (rows 0–15) and a(k)1 (rows 16–31).
        Stage(stage, a00, a01, b[0]);
        Stage(stage + 32, a10, a11, b[1]);
        Stage(stage + 64, a20, a21, b[2]);
        Stage(stage + 96, a30, a31, b[3]);
        Stage(stage + 128, a40, a41, b[4]);
        Stage(stage + 160, a50, a51, b[5]);
        Stage(stage + 192, a60, a61, b[6]);
        Stage(stage + 224, a70, a71, b[7]);
        Stage(stage + 256, a80, a81, b[8]);
        Stage(stage + 288, a90, a91, b[9]);
        Stage(stage + 320, aa0, aa1, b[10]);
        Stage(stage + 352, ab0, ab1, b[11]);
    }

    /// <summary>
    /// Outputs [0, 12) (W's rows at <paramref name="w"/>) of a panel of at most 16 rows into the stage, the panel in pairs
    /// of inputs (<see cref="PanelLinear{TKernel}.PackPairs"/>): two panel vectors and 12 broadcast pairs
    /// of weights per 24 FMAs, the load-to-FMA ratio of <see cref="Block32x12"/>. Each accumulator lane sums every other
    /// input of a row; the two halves are added once, at the end.
    /// </summary>
    /// <remarks>
    /// One input at a time, 16 rows take one panel vector and 12 single broadcasts per 12 FMAs, and the broadcasts bound
    /// it: on a Zen 5 (CPU family 26), data in L1, that loop ran at 117–187 GFLOP/s against 215–218 for this one and for
    /// <see cref="Block32x12"/> (peak ≈ 214).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Pair16x12(float* panel, int inputs, float* w, float* b, float* stage)
    {
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector512<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        Vector512<float> a60 = default, a61 = default, a70 = default, a71 = default, a80 = default, a81 = default;
        Vector512<float> a90 = default, a91 = default, aa0 = default, aa1 = default, ab0 = default, ab1 = default;
        nint s = inputs, even = s & ~(nint)1;
        float* w0 = w, w1 = w + s, w2 = w + (2 * s), w3 = w + (3 * s), w4 = w + (4 * s), w5 = w + (5 * s);
        float* w6 = w + (6 * s), w7 = w + (7 * s), w8 = w + (8 * s), w9 = w + (9 * s), w10 = w + (10 * s), w11 = w + (11 * s), p = panel;
        for (nint i = 0; i < even; i += 2, p += PanelStride)
        {
            Vector512<float> p0 = Vector512.LoadAligned(p), p1 = Vector512.LoadAligned(p + 16), v;
            v = Pair(w0 + i);
            a00 = Vector512.FusedMultiplyAdd(v, p0, a00);
            a01 = Vector512.FusedMultiplyAdd(v, p1, a01);
            v = Pair(w1 + i);
            a10 = Vector512.FusedMultiplyAdd(v, p0, a10);
            a11 = Vector512.FusedMultiplyAdd(v, p1, a11);
            v = Pair(w2 + i);
            a20 = Vector512.FusedMultiplyAdd(v, p0, a20);
            a21 = Vector512.FusedMultiplyAdd(v, p1, a21);
            v = Pair(w3 + i);
            a30 = Vector512.FusedMultiplyAdd(v, p0, a30);
            a31 = Vector512.FusedMultiplyAdd(v, p1, a31);
            v = Pair(w4 + i);
            a40 = Vector512.FusedMultiplyAdd(v, p0, a40);
            a41 = Vector512.FusedMultiplyAdd(v, p1, a41);
            v = Pair(w5 + i);
            a50 = Vector512.FusedMultiplyAdd(v, p0, a50);
            a51 = Vector512.FusedMultiplyAdd(v, p1, a51);
            v = Pair(w6 + i);
            a60 = Vector512.FusedMultiplyAdd(v, p0, a60);
            a61 = Vector512.FusedMultiplyAdd(v, p1, a61);
            v = Pair(w7 + i);
            a70 = Vector512.FusedMultiplyAdd(v, p0, a70);
            a71 = Vector512.FusedMultiplyAdd(v, p1, a71);
            v = Pair(w8 + i);
            a80 = Vector512.FusedMultiplyAdd(v, p0, a80);
            a81 = Vector512.FusedMultiplyAdd(v, p1, a81);
            v = Pair(w9 + i);
            a90 = Vector512.FusedMultiplyAdd(v, p0, a90);
            a91 = Vector512.FusedMultiplyAdd(v, p1, a91);
            v = Pair(w10 + i);
            aa0 = Vector512.FusedMultiplyAdd(v, p0, aa0);
            aa1 = Vector512.FusedMultiplyAdd(v, p1, aa1);
            v = Pair(w11 + i);
            ab0 = Vector512.FusedMultiplyAdd(v, p0, ab0);
            ab1 = Vector512.FusedMultiplyAdd(v, p1, ab1);
        }

        if (even != s)
        {
            // The last input alone: its weight in the even lanes only (the panel's odd lanes are zero there, and a
            // weight read past its row, or an infinite one times zero, must not reach a sum).
            Vector512<float> p0 = Vector512.LoadAligned(p), p1 = Vector512.LoadAligned(p + 16), v;
            Vector512<float> evenLanes = Vector512.Create(0xFFFFFFFFL).AsSingle();
            nint i = even;
            v = Vector512.Create(w0[i]) & evenLanes;
            a00 = Vector512.FusedMultiplyAdd(v, p0, a00);
            a01 = Vector512.FusedMultiplyAdd(v, p1, a01);
            v = Vector512.Create(w1[i]) & evenLanes;
            a10 = Vector512.FusedMultiplyAdd(v, p0, a10);
            a11 = Vector512.FusedMultiplyAdd(v, p1, a11);
            v = Vector512.Create(w2[i]) & evenLanes;
            a20 = Vector512.FusedMultiplyAdd(v, p0, a20);
            a21 = Vector512.FusedMultiplyAdd(v, p1, a21);
            v = Vector512.Create(w3[i]) & evenLanes;
            a30 = Vector512.FusedMultiplyAdd(v, p0, a30);
            a31 = Vector512.FusedMultiplyAdd(v, p1, a31);
            v = Vector512.Create(w4[i]) & evenLanes;
            a40 = Vector512.FusedMultiplyAdd(v, p0, a40);
            a41 = Vector512.FusedMultiplyAdd(v, p1, a41);
            v = Vector512.Create(w5[i]) & evenLanes;
            a50 = Vector512.FusedMultiplyAdd(v, p0, a50);
            a51 = Vector512.FusedMultiplyAdd(v, p1, a51);
            v = Vector512.Create(w6[i]) & evenLanes;
            a60 = Vector512.FusedMultiplyAdd(v, p0, a60);
            a61 = Vector512.FusedMultiplyAdd(v, p1, a61);
            v = Vector512.Create(w7[i]) & evenLanes;
            a70 = Vector512.FusedMultiplyAdd(v, p0, a70);
            a71 = Vector512.FusedMultiplyAdd(v, p1, a71);
            v = Vector512.Create(w8[i]) & evenLanes;
            a80 = Vector512.FusedMultiplyAdd(v, p0, a80);
            a81 = Vector512.FusedMultiplyAdd(v, p1, a81);
            v = Vector512.Create(w9[i]) & evenLanes;
            a90 = Vector512.FusedMultiplyAdd(v, p0, a90);
            a91 = Vector512.FusedMultiplyAdd(v, p1, a91);
            v = Vector512.Create(w10[i]) & evenLanes;
            aa0 = Vector512.FusedMultiplyAdd(v, p0, aa0);
            aa1 = Vector512.FusedMultiplyAdd(v, p1, aa1);
            v = Vector512.Create(w11[i]) & evenLanes;
            ab0 = Vector512.FusedMultiplyAdd(v, p0, ab0);
            ab1 = Vector512.FusedMultiplyAdd(v, p1, ab1);
        }

        // a(k)0 holds rows 0–7 and a(k)1 rows 8–15, lanes (row, even input) and (row, odd input): output k's sums over
        // the 16 rows are the even lanes of both plus their odd lanes.
        Vector512<int> evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        Vector512<int> odds = evens + Vector512<int>.One;
        (Halves(a00, a01, evens, odds) + Vector512.Create(b[0])).Store(stage);
        (Halves(a10, a11, evens, odds) + Vector512.Create(b[1])).Store(stage + 32);
        (Halves(a20, a21, evens, odds) + Vector512.Create(b[2])).Store(stage + 64);
        (Halves(a30, a31, evens, odds) + Vector512.Create(b[3])).Store(stage + 96);
        (Halves(a40, a41, evens, odds) + Vector512.Create(b[4])).Store(stage + 128);
        (Halves(a50, a51, evens, odds) + Vector512.Create(b[5])).Store(stage + 160);
        (Halves(a60, a61, evens, odds) + Vector512.Create(b[6])).Store(stage + 192);
        (Halves(a70, a71, evens, odds) + Vector512.Create(b[7])).Store(stage + 224);
        (Halves(a80, a81, evens, odds) + Vector512.Create(b[8])).Store(stage + 256);
        (Halves(a90, a91, evens, odds) + Vector512.Create(b[9])).Store(stage + 288);
        (Halves(aa0, aa1, evens, odds) + Vector512.Create(b[10])).Store(stage + 320);
        (Halves(ab0, ab1, evens, odds) + Vector512.Create(b[11])).Store(stage + 352);
    }

    /// <summary>Two consecutive weights, repeated in every pair of lanes (one 8-byte broadcast).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair(float* w) => Vector512.Create(Unsafe.ReadUnaligned<double>(w)).AsSingle();

    /// <summary>Row r's sum in lane r: rows 0–7 from <paramref name="low"/>, 8–15 from <paramref name="high"/>, even lane plus odd lane.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Halves(Vector512<float> low, Vector512<float> high, Vector512<int> evens, Vector512<int> odds) =>
        Avx512F.PermuteVar16x32x2(low, evens, high) + Avx512F.PermuteVar16x32x2(low, odds, high);

    /// <summary>
    /// Eight rows of 16 values (<paramref name="stride"/> floats apart) as 8 × 8 pairs, transposed: pair q of every row
    /// into the vector at <c>destination + 32q</c>. Three rounds of interleaving row t with row t + 4.
    /// </summary>
    public static void TransposePairs(float* source, nint stride, float* destination)
    {
        Vector512<long> low = Vector512.Create(0L, 8, 1, 9, 2, 10, 3, 11), high = Vector512.Create(4L, 12, 5, 13, 6, 14, 7, 15);
        Vector512<double> r0 = Vector512.Load((double*)source), r1 = Vector512.Load((double*)(source + stride));
        Vector512<double> r2 = Vector512.Load((double*)(source + (2 * stride))), r3 = Vector512.Load((double*)(source + (3 * stride)));
        Vector512<double> r4 = Vector512.Load((double*)(source + (4 * stride))), r5 = Vector512.Load((double*)(source + (5 * stride)));
        Vector512<double> r6 = Vector512.Load((double*)(source + (6 * stride))), r7 = Vector512.Load((double*)(source + (7 * stride)));
        for (int round = 0; round < 3; round++)
        {
            Vector512<double> t0 = Avx512F.PermuteVar8x64x2(r0, low, r4), t1 = Avx512F.PermuteVar8x64x2(r0, high, r4);
            Vector512<double> t2 = Avx512F.PermuteVar8x64x2(r1, low, r5), t3 = Avx512F.PermuteVar8x64x2(r1, high, r5);
            Vector512<double> t4 = Avx512F.PermuteVar8x64x2(r2, low, r6), t5 = Avx512F.PermuteVar8x64x2(r2, high, r6);
            Vector512<double> t6 = Avx512F.PermuteVar8x64x2(r3, low, r7), t7 = Avx512F.PermuteVar8x64x2(r3, high, r7);
            (r0, r1, r2, r3, r4, r5, r6, r7) = (t0, t1, t2, t3, t4, t5, t6, t7);
        }

        r0.AsSingle().StoreAligned(destination);
        r1.AsSingle().StoreAligned(destination + PanelStride);
        r2.AsSingle().StoreAligned(destination + (2 * PanelStride));
        r3.AsSingle().StoreAligned(destination + (3 * PanelStride));
        r4.AsSingle().StoreAligned(destination + (4 * PanelStride));
        r5.AsSingle().StoreAligned(destination + (5 * PanelStride));
        r6.AsSingle().StoreAligned(destination + (6 * PanelStride));
        r7.AsSingle().StoreAligned(destination + (7 * PanelStride));
    }

    /// <summary>Output k's sums for a panel's 32 rows, <paramref name="bias"/> added, into the stage's row k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stage(float* row, Vector512<float> low, Vector512<float> high, float bias)
    {
        Vector512<float> add = Vector512.Create(bias);
        (low + add).Store(row);
        (high + add).Store(row + 16);
    }

    public static void StoreRows(float* tile, int rows, int width, float* y, int outputs)
    {
        Vector512<float> keep = OutputMask(width);
        for (int t = 0; t < rows; t++)
        {
            Avx512F.MaskStore(y + ((nint)t * outputs), keep, Vector512.Load(tile + (16 * t)));
        }
    }

    /// <summary>All bits set in the first <paramref name="lanes"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> OutputMask(int lanes) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lanes)).AsSingle();
}
