using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CrossAttention.Kernels;

/// <summary>
/// <c>y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ + b</c> on AVX-512 as an outer product, rows in the
/// vector lanes: the call's rows are first copied, transposed, into panels <c>[inputs, 32]</c> of up to 32 rows (per
/// thread, 64-byte aligned, lanes past the panel's rows zero), then a register block of 32 rows × 12 outputs (24
/// accumulators of AVX-512's 32 registers) walks a panel one input at a time — two aligned panel loads and 12 weights
/// broadcast straight from W's own rows feed 24 FMAs, with no horizontal sums. A block's 12 × 32 sums are transposed
/// back into rows of y (16 × 16 in registers) once, after its last input. A panel of at most 16 rows takes 16 rows ×
/// 12 outputs (one panel load, 12 broadcasts, 12 FMAs).
/// </summary>
/// <remarks>
/// W is read where it is (SPEC §5: the spans are the storage); only x, far smaller than W in a layer's projections, is
/// rearranged, so packing costs about the same small fraction of a call at any row count. The rows are taken 16 at a
/// time; when 1–7 are left over they go to <see cref="VectorLinear{TWidth, TVector}"/> (as dot products along W's rows,
/// a few rows cost little), 8–15 fill a zero-padded panel. Every output of a panel's rows is one chain of FMAs over the
/// inputs in order, whatever block, tile or thread computes it, so results do not depend on how the call is split
/// (threads take ranges of outputs).
/// Measured against <see cref="VectorLinear{TWidth, TVector}"/> side by side on a Zen 4 (CPU family 25), 512 inputs and
/// outputs: 16 rows 1.19×, 32 rows 1.26×, 256 rows 1.15× faster; 8 rows 0.7× (half a panel of padding), hence
/// <see cref="MinimumRows"/>.
/// </remarks>
internal static unsafe class PanelLinear512
{
    /// <summary>Rows per panel: two 512-bit vectors.</summary>
    private const int PanelRows = 32;

    /// <summary>Outputs per register block, and per work item of a split call.</summary>
    private const int BlockOutputs = 12;

    /// <summary>Calls of fewer rows take <see cref="VectorLinear{TWidth, TVector}"/>: a panel of them would be mostly padding.</summary>
    public const int MinimumRows = 16;

    /// <summary>Left-over rows (after whole 16-row panels) below this many go to <see cref="VectorLinear{TWidth, TVector}"/>.</summary>
    private const int MinimumPaddedRows = 8;

    /// <summary>The bytes of W one tile of outputs holds, as in <see cref="VectorLinear{TWidth, TVector}"/>.</summary>
    private const int TileBytes = 256 * 1024;

    [ThreadStatic]
    private static float[]? t_panels;

    /// <summary>
    /// Calls of fewer inputs take <see cref="VectorLinear{TWidth, TVector}"/>: turning a block's sums back into rows costs
    /// as much as a few hundred FMAs, which fewer inputs do not pay for.
    /// </summary>
    public const int MinimumInputs = 128;

    /// <summary>True when this CPU runs the kernel and it pays for a call of this many rows, inputs and outputs.</summary>
    public static bool Accepts(int rows, int inputs, int outputs) =>
        Avx512F.IsSupported && rows >= MinimumRows && inputs >= MinimumInputs && outputs >= BlockOutputs;

    /// <summary>Projects <paramref name="rows"/> rows, the outputs split over threads when that is asked for and worth it.</summary>
    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        int outputs = b.Length, inputs = w.Length / outputs;
        Debug.Assert(x.Length == (long)rows * inputs && y.Length == (long)rows * outputs && w.Length == (long)inputs * outputs);
        Debug.Assert(Accepts(rows, inputs, outputs));
        int leftOver = rows % 16 < MinimumPaddedRows ? rows % 16 : 0, panelRows = rows - leftOver;
        int items = outputs / BlockOutputs;
        if (KernelParallel.ShouldSplit(items, 2L * panelRows * inputs * outputs))
        {
            KernelParallel.For<Work>(items, x[..(panelRows * inputs)], w, b, y[..(panelRows * outputs)], default, default, panelRows);
        }
        else
        {
            fixed (float* px = x, pw = w, pb = b, py = y)
            {
                Run(px, panelRows, inputs, pw, pb, outputs, py, 0, outputs);
            }
        }

        if (leftOver > 0)
        {
            VectorLinear<Width512, Vector512<float>>.Project(x[(panelRows * inputs)..], leftOver, w, b, y[(panelRows * outputs)..]);
        }
    }

    /// <summary>
    /// Work items [start, end) on one thread (<c>spans.Count</c> = rows): outputs <c>[12·start, 12·end)</c>, the last
    /// item running to the last output. The spans are pinned by <see cref="KernelParallel"/>.
    /// </summary>
    private readonly struct Work : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end)
        {
            int outputs = spans.C.Length, inputs = spans.B.Length / outputs;
            int last = end == outputs / BlockOutputs ? outputs : end * BlockOutputs;
            PanelLinear512.Run(Pointer(spans.A), spans.Count, inputs, Pointer(spans.B), Pointer(spans.C), outputs, Pointer(spans.D),
                               start * BlockOutputs, last);
        }

        private static float* Pointer(ReadOnlySpan<float> pinned) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(pinned));
    }

    /// <summary>Outputs [first, last) of every row; <c>last − first</c> ≥ 12.</summary>
    private static void Run(float* x, int rows, int inputs, float* w, float* b, int outputs, float* y, int first, int last)
    {
        int groups = (rows + PanelRows - 1) / PanelRows;
        float* panels = ThreadPanels((nint)groups * PanelRows * inputs);
        for (int g = 0; g < groups; g++)
        {
            Pack(x + ((nint)g * PanelRows * inputs), Math.Min(PanelRows, rows - (g * PanelRows)), inputs, panels + ((nint)g * PanelRows * inputs));
        }

        // Two 16 × 16 tiles for turning a block's sums back into rows.
        float* tiles = stackalloc float[2 * 256];

        // Outputs in tiles whose rows of W stay in the L2 cache while every panel passes over them. A block that would
        // run past the range ends at its end instead and recomputes a few outputs: the same sums, the same bits.
        int tile = Math.Max(BlockOutputs, TileBytes / sizeof(float) / inputs / BlockOutputs * BlockOutputs);
        for (int t0 = first; t0 < last; t0 += tile)
        {
            int t1 = Math.Min(last, t0 + tile);
            for (int g = 0; g < groups; g++)
            {
                int r = g * PanelRows, count = Math.Min(PanelRows, rows - r);
                float* panel = panels + ((nint)r * inputs);
                float* yr = y + ((nint)r * outputs);
                if (count > 16)
                {
                    for (int o = t0; o < t1; o += BlockOutputs)
                    {
                        int at = Math.Min(o, last - BlockOutputs);
                        Block32x12(panel, inputs, w + ((nint)at * inputs), b + at, yr + at, outputs, count, tiles);
                    }
                }
                else
                {
                    for (int o = t0; o < t1; o += BlockOutputs)
                    {
                        int at = Math.Min(o, last - BlockOutputs);
                        Block16x12(panel, inputs, w + ((nint)at * inputs), b + at, yr + at, outputs, count, tiles);
                    }
                }
            }
        }
    }

    /// <summary>This thread's panel buffer of at least <paramref name="length"/> floats, 64-byte aligned, grown (pinned) when a call needs more.</summary>
    private static float* ThreadPanels(nint length)
    {
        float[]? buffer = t_panels;
        if (buffer is null || buffer.Length < length + 16)
        {
            t_panels = buffer = GC.AllocateUninitializedArray<float>(checked((int)length + 16), pinned: true);
        }

        nint address = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(buffer));
        return (float*)((address + 63) & ~(nint)63);
    }

    /// <summary>
    /// <c>panel[i, j] = x[j, i]</c> for the <paramref name="count"/> rows at <paramref name="x"/>, zeros for j ≥ count: 16
    /// whole rows in 16 × 16 blocks transposed in registers, the inputs past the last whole block and a partial half one
    /// value at a time.
    /// </summary>
    private static void Pack(float* x, int count, int inputs, float* panel)
    {
        for (int half = 0; half < 2; half++)
        {
            int valid = Math.Clamp(count - (16 * half), 0, 16);
            float* source = x + (16 * half * (nint)inputs), destination = panel + (16 * half);
            int i = 0;
            if (valid == 16)
            {
                for (; i + 16 <= inputs; i += 16)
                {
                    Transpose16(source + i, inputs, destination + ((nint)i * PanelRows), PanelRows);
                }
            }

            for (; i < inputs; i++)
            {
                float* row = destination + ((nint)i * PanelRows);
                for (int j = 0; j < 16; j++)
                {
                    row[j] = j < valid ? source[((nint)j * inputs) + i] : 0f;
                }
            }
        }
    }

    /// <summary>
    /// The 16 × 16 block at <paramref name="source"/> (rows <paramref name="sourceStride"/> floats apart) transposed into
    /// rows <paramref name="destinationStride"/> apart: four rounds of pairing row t with row t + 8 and interleaving them
    /// (lanes 0–7 into row 2t, lanes 8–15 into row 2t + 1) turn rows into columns.
    /// </summary>
    private static void Transpose16(float* source, nint sourceStride, float* destination, nint destinationStride)
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
    /// Outputs [0, 12) (W's rows at <paramref name="w"/>) of a panel's <paramref name="count"/> rows (17–32).
    /// </summary>
    /// <remarks>A method of its own, called once per 12 outputs × 32 rows × all inputs: inlined into the tile loops, its 24 accumulators were spilled.</remarks>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block32x12(float* panel, int inputs, float* w, float* b, float* y, int outputs, int count, float* tiles)
    {
        Vector512<float> a00 = default, a01 = default, a10 = default, a11 = default, a20 = default, a21 = default;
        Vector512<float> a30 = default, a31 = default, a40 = default, a41 = default, a50 = default, a51 = default;
        Vector512<float> a60 = default, a61 = default, a70 = default, a71 = default, a80 = default, a81 = default;
        Vector512<float> a90 = default, a91 = default, aa0 = default, aa1 = default, ab0 = default, ab1 = default;
        nint s = inputs;
        float* w3 = w + (3 * s), w6 = w + (6 * s), w9 = w + (9 * s);
        for (nint i = 0; i < s; i++)
        {
            float* p = panel + (i * PanelRows);
            Vector512<float> p0 = Vector512.LoadAligned(p), p1 = Vector512.LoadAligned(p + 16), v;
            v = Vector512.Create(w[i]);
            a00 = Vector512.FusedMultiplyAdd(v, p0, a00);
            a01 = Vector512.FusedMultiplyAdd(v, p1, a01);
            v = Vector512.Create(w[s + i]);
            a10 = Vector512.FusedMultiplyAdd(v, p0, a10);
            a11 = Vector512.FusedMultiplyAdd(v, p1, a11);
            v = Vector512.Create(w[(2 * s) + i]);
            a20 = Vector512.FusedMultiplyAdd(v, p0, a20);
            a21 = Vector512.FusedMultiplyAdd(v, p1, a21);
            v = Vector512.Create(w3[i]);
            a30 = Vector512.FusedMultiplyAdd(v, p0, a30);
            a31 = Vector512.FusedMultiplyAdd(v, p1, a31);
            v = Vector512.Create(w3[s + i]);
            a40 = Vector512.FusedMultiplyAdd(v, p0, a40);
            a41 = Vector512.FusedMultiplyAdd(v, p1, a41);
            v = Vector512.Create(w3[(2 * s) + i]);
            a50 = Vector512.FusedMultiplyAdd(v, p0, a50);
            a51 = Vector512.FusedMultiplyAdd(v, p1, a51);
            v = Vector512.Create(w6[i]);
            a60 = Vector512.FusedMultiplyAdd(v, p0, a60);
            a61 = Vector512.FusedMultiplyAdd(v, p1, a61);
            v = Vector512.Create(w6[s + i]);
            a70 = Vector512.FusedMultiplyAdd(v, p0, a70);
            a71 = Vector512.FusedMultiplyAdd(v, p1, a71);
            v = Vector512.Create(w6[(2 * s) + i]);
            a80 = Vector512.FusedMultiplyAdd(v, p0, a80);
            a81 = Vector512.FusedMultiplyAdd(v, p1, a81);
            v = Vector512.Create(w9[i]);
            a90 = Vector512.FusedMultiplyAdd(v, p0, a90);
            a91 = Vector512.FusedMultiplyAdd(v, p1, a91);
            v = Vector512.Create(w9[s + i]);
            aa0 = Vector512.FusedMultiplyAdd(v, p0, aa0);
            aa1 = Vector512.FusedMultiplyAdd(v, p1, aa1);
            v = Vector512.Create(w9[(2 * s) + i]);
            ab0 = Vector512.FusedMultiplyAdd(v, p0, ab0);
            ab1 = Vector512.FusedMultiplyAdd(v, p1, ab1);
        }

        // Output k's sums over the panel's rows are lanes of a(k)0 (rows 0–15) and a(k)1 (rows 16–31).
        float* low = tiles, high = tiles + 256;
        a00.Store(low);
        a10.Store(low + 16);
        a20.Store(low + 32);
        a30.Store(low + 48);
        a40.Store(low + 64);
        a50.Store(low + 80);
        a60.Store(low + 96);
        a70.Store(low + 112);
        a80.Store(low + 128);
        a90.Store(low + 144);
        aa0.Store(low + 160);
        ab0.Store(low + 176);
        a01.Store(high);
        a11.Store(high + 16);
        a21.Store(high + 32);
        a31.Store(high + 48);
        a41.Store(high + 64);
        a51.Store(high + 80);
        a61.Store(high + 96);
        a71.Store(high + 112);
        a81.Store(high + 128);
        a91.Store(high + 144);
        aa1.Store(high + 160);
        ab1.Store(high + 176);
        Vector512<float> keep = OutputMask(12), bias = Avx512F.MaskLoad(b, keep, Vector512<float>.Zero);
        StoreRows(low, 16, bias, keep, y, outputs);
        StoreRows(high, count - 16, bias, keep, y + (16 * (nint)outputs), outputs);
    }

    /// <summary>
    /// Outputs [0, 12) (W's rows at <paramref name="w"/>) of a panel's <paramref name="count"/> rows (at most 16): one
    /// panel vector and 12 broadcasts per 12 FMAs. (Blocks of 24 outputs, 24 FMAs per panel load, measured 1.6× slower:
    /// 24 rows of W streamed at once outrun the L1 prefetcher.)
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Block16x12(float* panel, int inputs, float* w, float* b, float* y, int outputs, int count, float* tiles)
    {
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default, a5 = default;
        Vector512<float> a6 = default, a7 = default, a8 = default, a9 = default, a10 = default, a11 = default;
        nint s = inputs;
        float* w4 = w + (4 * s), w8 = w + (8 * s);
        for (nint i = 0; i < s; i++)
        {
            Vector512<float> p = Vector512.LoadAligned(panel + (i * PanelRows));
            a0 = Vector512.FusedMultiplyAdd(Vector512.Create(w[i]), p, a0);
            a1 = Vector512.FusedMultiplyAdd(Vector512.Create(w[s + i]), p, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.Create(w[(2 * s) + i]), p, a2);
            a3 = Vector512.FusedMultiplyAdd(Vector512.Create(w[(3 * s) + i]), p, a3);
            a4 = Vector512.FusedMultiplyAdd(Vector512.Create(w4[i]), p, a4);
            a5 = Vector512.FusedMultiplyAdd(Vector512.Create(w4[s + i]), p, a5);
            a6 = Vector512.FusedMultiplyAdd(Vector512.Create(w4[(2 * s) + i]), p, a6);
            a7 = Vector512.FusedMultiplyAdd(Vector512.Create(w4[(3 * s) + i]), p, a7);
            a8 = Vector512.FusedMultiplyAdd(Vector512.Create(w8[i]), p, a8);
            a9 = Vector512.FusedMultiplyAdd(Vector512.Create(w8[s + i]), p, a9);
            a10 = Vector512.FusedMultiplyAdd(Vector512.Create(w8[(2 * s) + i]), p, a10);
            a11 = Vector512.FusedMultiplyAdd(Vector512.Create(w8[(3 * s) + i]), p, a11);
        }

        float* first = tiles;
        a0.Store(first);
        a1.Store(first + 16);
        a2.Store(first + 32);
        a3.Store(first + 48);
        a4.Store(first + 64);
        a5.Store(first + 80);
        a6.Store(first + 96);
        a7.Store(first + 112);
        a8.Store(first + 128);
        a9.Store(first + 144);
        a10.Store(first + 160);
        a11.Store(first + 176);
        Vector512<float> keep = OutputMask(12);
        StoreRows(first, count, Avx512F.MaskLoad(b, keep, Vector512<float>.Zero), keep, y, outputs);
    }

    /// <summary>
    /// Transposes a tile whose row k holds output k's sums over 16 rows into the first <paramref name="rows"/> of those
    /// rows of y, adding the bias, writing only the lanes <paramref name="keep"/> selects (the tile's rows past the
    /// block's outputs are not read into a stored lane).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreRows(float* tile, int rows, Vector512<float> bias, Vector512<float> keep, float* y, int outputs)
    {
        Transpose16(tile, 16, tile, 16);
        for (int t = 0; t < rows; t++)
        {
            Avx512F.MaskStore(y + ((nint)t * outputs), keep, Vector512.Load(tile + (16 * t)) + bias);
        }
    }

    /// <summary>All bits set in the first <paramref name="lanes"/> lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> OutputMask(int lanes) =>
        Vector512.LessThan(Vector512<int>.Indices, Vector512.Create(lanes)).AsSingle();
}
