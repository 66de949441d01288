using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CrossAttention.Kernels;

/// <summary>
/// <c>y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ + b</c> (PyTorch <c>nn.Linear</c>, W in its own
/// <c>[out, in]</c> layout) for the generated tiers: one kernel for every shape, compiled by the JIT for each width.
/// Register blocks of 3 rows × 4 outputs (12 accumulators, 3 input vectors and 1 weight vector: the 16 registers of
/// AVX2; 7 loads per 12 FMAs), or 6 rows × 4 outputs on the 512-bit width (24 accumulators of AVX-512's 32 registers;
/// 10 loads per 24 FMAs), walk the inputs a vector at a time, then reduce once; rows left over take the 3-row blocks,
/// then a row at a time in blocks of 8 outputs (a decoder step is one row). The last, partial vector of a row is read
/// as the vector ending the row with the lanes already counted masked off. Outputs go in tiles whose rows of W stay in
/// the L2 cache while every row block passes over them. Each row's sums are computed the same way in every block and tile, so results do not depend on how rows
/// are split over threads.
/// </summary>
/// <remarks>
/// Measured against projections generated per shape: within noise at 512 and 768 inputs, so the generated files leave
/// wide projections to this one kernel; at 40–72 inputs its fixed cost per block makes it 1.2–1.4× slower, so narrow
/// projections stay generated (<c>LinearPlan.Generated</c>).
/// </remarks>
internal static class VectorLinear<TWidth, TVector>
    where TWidth : struct, IVectorWidth<TVector>
    where TVector : struct
{
    /// <summary>
    /// Rows per register block: 6 on the 512-bit width (24 accumulators, 6 row vectors and a weight vector of AVX-512's
    /// 32 registers; each weight vector, streamed from L2, feeds 6 FMAs instead of 3), else 3. A constant of each width,
    /// so the JIT keeps one path. Measured on a Zen 5 (CPU family 26), medium <c>ProjectContext</c> (256 rows, 512 → 512
    /// twice) 2.66 → 1.77 ms, 48% → 72% of a 210 GFLOP/s 512-bit FMA peak.
    /// </summary>
    private static int RowBlock
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TWidth.Lanes == 16 ? 6 : 3;
    }

    /// <summary>
    /// The bytes of W one tile of outputs holds: half of a 512 KB L2 cache (Zen 3). On a Zen 5 (1 MB L2), tiles of 64 KB
    /// to 512 KB measured the same.
    /// </summary>
    private const int TileBytes = 256 * 1024;

    /// <summary>Projects <paramref name="rows"/> rows, split over threads when that is asked for and worth it.</summary>
    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        int outputs = b.Length, inputs = w.Length / outputs;
        Debug.Assert(x.Length == (long)rows * inputs && y.Length == (long)rows * outputs && w.Length == (long)inputs * outputs);
        int blocks = (rows + RowBlock - 1) / RowBlock;
        if (KernelParallel.ShouldSplit(blocks, 2L * rows * inputs * outputs))
        {
            KernelParallel.For<Work>(blocks, x, w, b, y, default, default, rows);
        }
        else
        {
            Run(ref MemoryMarshal.GetReference(x), rows, inputs, ref MemoryMarshal.GetReference(w), ref MemoryMarshal.GetReference(b), outputs,
                ref MemoryMarshal.GetReference(y));
        }
    }

    /// <summary>Row blocks [start, end) on one thread (<c>spans.Count</c> = rows).</summary>
    private readonly struct Work : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end)
        {
            int outputs = spans.C.Length, inputs = spans.B.Length / outputs;
            int first = RowBlock * start, last = Math.Min(RowBlock * end, spans.Count);
            VectorLinear<TWidth, TVector>.Run(
                ref Unsafe.Add(ref MemoryMarshal.GetReference(spans.A), (nint)first * inputs), last - first, inputs,
                ref MemoryMarshal.GetReference(spans.B), ref MemoryMarshal.GetReference(spans.C), outputs,
                ref Unsafe.Add(ref MemoryMarshal.GetReference(spans.D), (nint)first * outputs));
        }
    }

    /// <summary>
    /// Outputs [<paramref name="first"/>, <paramref name="last"/>) of <paramref name="rows"/> rows (y's rows
    /// <paramref name="outputs"/> apart), for <see cref="PanelLinear{TKernel}"/>'s rows left over from its panels: run
    /// tile by tile right after the panels, they find the tile's rows of W still in the L2 cache.
    /// </summary>
    public static void ProjectRange(ref float x, int rows, int inputs, ref float w, ref float b, int outputs, ref float y, int first, int last) =>
        Run(ref x, rows, inputs, ref w, ref b, outputs, ref y, first, last);

    private static void Run(ref float x, int rows, int inputs, ref float w, ref float b, int outputs, ref float y) =>
        Run(ref x, rows, inputs, ref w, ref b, outputs, ref y, 0, outputs);

    /// <summary>Outputs [<paramref name="start"/>, <paramref name="end"/>) of every row: no block reads W's rows or writes y's columns past <paramref name="end"/>.</summary>
    private static void Run(ref float x, int rows, int inputs, ref float w, ref float b, int outputs, ref float y, int start, int end)
    {
        if (inputs < TWidth.Lanes)
        {
            Scalar(ref x, rows, inputs, ref w, ref b, outputs, ref y, start, end);
            return;
        }

        // Outputs go in tiles whose rows of W stay in the L2 cache while every row block of x passes over them: without
        // tiles, each 3-row block streamed all of W again (1 MB at D = 512), from L3 once W outgrew L2.
        int tile = Math.Max(8, TileBytes / sizeof(float) / inputs / 8 * 8);
        for (int first = start; first < end; first += tile)
        {
            int last = Math.Min(end, first + tile);
            int r = 0;
            if (RowBlock == 6)
            {
                for (; r + 6 <= rows; r += 6)
                {
                    ref float xr = ref Unsafe.Add(ref x, (nint)r * inputs);
                    ref float yr = ref Unsafe.Add(ref y, (nint)r * outputs);
                    for (int o = first; o < last; o += 4)
                    {
                        Block6x4(ref xr, inputs, ref w, ref b, o, end, outputs, ref yr);
                    }
                }
            }

            for (; r + 3 <= rows; r += 3)
            {
                ref float xr = ref Unsafe.Add(ref x, (nint)r * inputs);
                ref float yr = ref Unsafe.Add(ref y, (nint)r * outputs);
                for (int o = first; o < last; o += 4)
                {
                    Block3x4(ref xr, inputs, ref w, ref b, o, end, outputs, ref yr);
                }
            }

            for (; r < rows; r++)
            {
                ref float xr = ref Unsafe.Add(ref x, (nint)r * inputs);
                ref float yr = ref Unsafe.Add(ref y, (nint)r * outputs);
                for (int o = first; o < last; o += 8)
                {
                    Block1x8(ref xr, inputs, ref w, ref b, o, end, ref yr);
                }
            }
        }
    }

    /// <summary>Row <paramref name="output"/> of W, or the last row before <paramref name="end"/> past it (its sums are computed and not stored).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ref float WeightRow(ref float w, int end, int output, int inputs) =>
        ref Unsafe.Add(ref w, (nint)Math.Min(output, end - 1) * inputs);

    /// <summary>Outputs [o, o + 4) of three rows, those before <paramref name="end"/> stored (y's rows <paramref name="outputs"/> apart).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block3x4(ref float x, int inputs, ref float w, ref float b, int o, int end, int outputs, ref float y)
    {
        ref float w0 = ref WeightRow(ref w, end, o, inputs);
        ref float w1 = ref WeightRow(ref w, end, o + 1, inputs);
        ref float w2 = ref WeightRow(ref w, end, o + 2, inputs);
        ref float w3 = ref WeightRow(ref w, end, o + 3, inputs);
        ref float x1 = ref Unsafe.Add(ref x, inputs);
        ref float x2 = ref Unsafe.Add(ref x, 2 * (nint)inputs);
        TVector a00 = TWidth.Zero, a01 = TWidth.Zero, a02 = TWidth.Zero, a03 = TWidth.Zero;
        TVector a10 = TWidth.Zero, a11 = TWidth.Zero, a12 = TWidth.Zero, a13 = TWidth.Zero;
        TVector a20 = TWidth.Zero, a21 = TWidth.Zero, a22 = TWidth.Zero, a23 = TWidth.Zero;
        nint lanes = TWidth.Lanes, whole = inputs - (inputs % TWidth.Lanes);
        for (nint c = 0; c < whole; c += lanes)
        {
            TVector v0 = TWidth.Load(ref x, c), v1 = TWidth.Load(ref x1, c), v2 = TWidth.Load(ref x2, c);
            TVector wv = TWidth.Load(ref w0, c);
            a00 = TWidth.MultiplyAdd(v0, wv, a00);
            a10 = TWidth.MultiplyAdd(v1, wv, a10);
            a20 = TWidth.MultiplyAdd(v2, wv, a20);
            wv = TWidth.Load(ref w1, c);
            a01 = TWidth.MultiplyAdd(v0, wv, a01);
            a11 = TWidth.MultiplyAdd(v1, wv, a11);
            a21 = TWidth.MultiplyAdd(v2, wv, a21);
            wv = TWidth.Load(ref w2, c);
            a02 = TWidth.MultiplyAdd(v0, wv, a02);
            a12 = TWidth.MultiplyAdd(v1, wv, a12);
            a22 = TWidth.MultiplyAdd(v2, wv, a22);
            wv = TWidth.Load(ref w3, c);
            a03 = TWidth.MultiplyAdd(v0, wv, a03);
            a13 = TWidth.MultiplyAdd(v1, wv, a13);
            a23 = TWidth.MultiplyAdd(v2, wv, a23);
        }

        if (whole != inputs)
        {
            // The vector ending the row, the lanes the loop already counted masked off (in x and W alike).
            TVector mask = TWidth.TailMask(inputs - (int)whole);
            nint c = inputs - lanes;
            TVector v0 = TWidth.And(mask, TWidth.Load(ref x, c)), v1 = TWidth.And(mask, TWidth.Load(ref x1, c)), v2 = TWidth.And(mask, TWidth.Load(ref x2, c));
            TVector wv = TWidth.And(mask, TWidth.Load(ref w0, c));
            a00 = TWidth.MultiplyAdd(v0, wv, a00);
            a10 = TWidth.MultiplyAdd(v1, wv, a10);
            a20 = TWidth.MultiplyAdd(v2, wv, a20);
            wv = TWidth.And(mask, TWidth.Load(ref w1, c));
            a01 = TWidth.MultiplyAdd(v0, wv, a01);
            a11 = TWidth.MultiplyAdd(v1, wv, a11);
            a21 = TWidth.MultiplyAdd(v2, wv, a21);
            wv = TWidth.And(mask, TWidth.Load(ref w2, c));
            a02 = TWidth.MultiplyAdd(v0, wv, a02);
            a12 = TWidth.MultiplyAdd(v1, wv, a12);
            a22 = TWidth.MultiplyAdd(v2, wv, a22);
            wv = TWidth.And(mask, TWidth.Load(ref w3, c));
            a03 = TWidth.MultiplyAdd(v0, wv, a03);
            a13 = TWidth.MultiplyAdd(v1, wv, a13);
            a23 = TWidth.MultiplyAdd(v2, wv, a23);
        }

        Store(TWidth.Reduce4(a00, a01, a02, a03), ref b, o, end, ref y);
        Store(TWidth.Reduce4(a10, a11, a12, a13), ref b, o, end, ref Unsafe.Add(ref y, outputs));
        Store(TWidth.Reduce4(a20, a21, a22, a23), ref b, o, end, ref Unsafe.Add(ref y, 2 * (nint)outputs));
    }

    /// <summary>Outputs [o, o + 4) of six rows: per output the same sums, in the same order, as a row of <see cref="Block3x4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block6x4(ref float x, int inputs, ref float w, ref float b, int o, int end, int outputs, ref float y)
    {
        ref float w0 = ref WeightRow(ref w, end, o, inputs);
        ref float w1 = ref WeightRow(ref w, end, o + 1, inputs);
        ref float w2 = ref WeightRow(ref w, end, o + 2, inputs);
        ref float w3 = ref WeightRow(ref w, end, o + 3, inputs);
        ref float x1 = ref Unsafe.Add(ref x, inputs);
        ref float x2 = ref Unsafe.Add(ref x1, inputs);
        ref float x3 = ref Unsafe.Add(ref x2, inputs);
        ref float x4 = ref Unsafe.Add(ref x3, inputs);
        ref float x5 = ref Unsafe.Add(ref x4, inputs);
        TVector a00 = TWidth.Zero, a01 = TWidth.Zero, a02 = TWidth.Zero, a03 = TWidth.Zero;
        TVector a10 = TWidth.Zero, a11 = TWidth.Zero, a12 = TWidth.Zero, a13 = TWidth.Zero;
        TVector a20 = TWidth.Zero, a21 = TWidth.Zero, a22 = TWidth.Zero, a23 = TWidth.Zero;
        TVector a30 = TWidth.Zero, a31 = TWidth.Zero, a32 = TWidth.Zero, a33 = TWidth.Zero;
        TVector a40 = TWidth.Zero, a41 = TWidth.Zero, a42 = TWidth.Zero, a43 = TWidth.Zero;
        TVector a50 = TWidth.Zero, a51 = TWidth.Zero, a52 = TWidth.Zero, a53 = TWidth.Zero;
        nint lanes = TWidth.Lanes, whole = inputs - (inputs % TWidth.Lanes);
        for (nint c = 0; c < whole; c += lanes)
        {
            TVector v0 = TWidth.Load(ref x, c), v1 = TWidth.Load(ref x1, c), v2 = TWidth.Load(ref x2, c);
            TVector v3 = TWidth.Load(ref x3, c), v4 = TWidth.Load(ref x4, c), v5 = TWidth.Load(ref x5, c);
            TVector wv = TWidth.Load(ref w0, c);
            a00 = TWidth.MultiplyAdd(v0, wv, a00);
            a10 = TWidth.MultiplyAdd(v1, wv, a10);
            a20 = TWidth.MultiplyAdd(v2, wv, a20);
            a30 = TWidth.MultiplyAdd(v3, wv, a30);
            a40 = TWidth.MultiplyAdd(v4, wv, a40);
            a50 = TWidth.MultiplyAdd(v5, wv, a50);
            wv = TWidth.Load(ref w1, c);
            a01 = TWidth.MultiplyAdd(v0, wv, a01);
            a11 = TWidth.MultiplyAdd(v1, wv, a11);
            a21 = TWidth.MultiplyAdd(v2, wv, a21);
            a31 = TWidth.MultiplyAdd(v3, wv, a31);
            a41 = TWidth.MultiplyAdd(v4, wv, a41);
            a51 = TWidth.MultiplyAdd(v5, wv, a51);
            wv = TWidth.Load(ref w2, c);
            a02 = TWidth.MultiplyAdd(v0, wv, a02);
            a12 = TWidth.MultiplyAdd(v1, wv, a12);
            a22 = TWidth.MultiplyAdd(v2, wv, a22);
            a32 = TWidth.MultiplyAdd(v3, wv, a32);
            a42 = TWidth.MultiplyAdd(v4, wv, a42);
            a52 = TWidth.MultiplyAdd(v5, wv, a52);
            wv = TWidth.Load(ref w3, c);
            a03 = TWidth.MultiplyAdd(v0, wv, a03);
            a13 = TWidth.MultiplyAdd(v1, wv, a13);
            a23 = TWidth.MultiplyAdd(v2, wv, a23);
            a33 = TWidth.MultiplyAdd(v3, wv, a33);
            a43 = TWidth.MultiplyAdd(v4, wv, a43);
            a53 = TWidth.MultiplyAdd(v5, wv, a53);
        }

        if (whole != inputs)
        {
            // The vector ending the row, the lanes the loop already counted masked off (in x and W alike).
            TVector mask = TWidth.TailMask(inputs - (int)whole);
            nint c = inputs - lanes;
            TVector v0 = TWidth.And(mask, TWidth.Load(ref x, c)), v1 = TWidth.And(mask, TWidth.Load(ref x1, c)), v2 = TWidth.And(mask, TWidth.Load(ref x2, c));
            TVector v3 = TWidth.And(mask, TWidth.Load(ref x3, c)), v4 = TWidth.And(mask, TWidth.Load(ref x4, c)), v5 = TWidth.And(mask, TWidth.Load(ref x5, c));
            TVector wv = TWidth.And(mask, TWidth.Load(ref w0, c));
            a00 = TWidth.MultiplyAdd(v0, wv, a00);
            a10 = TWidth.MultiplyAdd(v1, wv, a10);
            a20 = TWidth.MultiplyAdd(v2, wv, a20);
            a30 = TWidth.MultiplyAdd(v3, wv, a30);
            a40 = TWidth.MultiplyAdd(v4, wv, a40);
            a50 = TWidth.MultiplyAdd(v5, wv, a50);
            wv = TWidth.And(mask, TWidth.Load(ref w1, c));
            a01 = TWidth.MultiplyAdd(v0, wv, a01);
            a11 = TWidth.MultiplyAdd(v1, wv, a11);
            a21 = TWidth.MultiplyAdd(v2, wv, a21);
            a31 = TWidth.MultiplyAdd(v3, wv, a31);
            a41 = TWidth.MultiplyAdd(v4, wv, a41);
            a51 = TWidth.MultiplyAdd(v5, wv, a51);
            wv = TWidth.And(mask, TWidth.Load(ref w2, c));
            a02 = TWidth.MultiplyAdd(v0, wv, a02);
            a12 = TWidth.MultiplyAdd(v1, wv, a12);
            a22 = TWidth.MultiplyAdd(v2, wv, a22);
            a32 = TWidth.MultiplyAdd(v3, wv, a32);
            a42 = TWidth.MultiplyAdd(v4, wv, a42);
            a52 = TWidth.MultiplyAdd(v5, wv, a52);
            wv = TWidth.And(mask, TWidth.Load(ref w3, c));
            a03 = TWidth.MultiplyAdd(v0, wv, a03);
            a13 = TWidth.MultiplyAdd(v1, wv, a13);
            a23 = TWidth.MultiplyAdd(v2, wv, a23);
            a33 = TWidth.MultiplyAdd(v3, wv, a33);
            a43 = TWidth.MultiplyAdd(v4, wv, a43);
            a53 = TWidth.MultiplyAdd(v5, wv, a53);
        }

        Store(TWidth.Reduce4(a00, a01, a02, a03), ref b, o, end, ref y);
        Store(TWidth.Reduce4(a10, a11, a12, a13), ref b, o, end, ref Unsafe.Add(ref y, outputs));
        Store(TWidth.Reduce4(a20, a21, a22, a23), ref b, o, end, ref Unsafe.Add(ref y, 2 * (nint)outputs));
        Store(TWidth.Reduce4(a30, a31, a32, a33), ref b, o, end, ref Unsafe.Add(ref y, 3 * (nint)outputs));
        Store(TWidth.Reduce4(a40, a41, a42, a43), ref b, o, end, ref Unsafe.Add(ref y, 4 * (nint)outputs));
        Store(TWidth.Reduce4(a50, a51, a52, a53), ref b, o, end, ref Unsafe.Add(ref y, 5 * (nint)outputs));
    }

    /// <summary>Outputs [o, o + 8) of one row: per output the same sums, in the same order, as a row of <see cref="Block3x4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Block1x8(ref float x, int inputs, ref float w, ref float b, int o, int end, ref float y)
    {
        ref float w0 = ref WeightRow(ref w, end, o, inputs);
        ref float w1 = ref WeightRow(ref w, end, o + 1, inputs);
        ref float w2 = ref WeightRow(ref w, end, o + 2, inputs);
        ref float w3 = ref WeightRow(ref w, end, o + 3, inputs);
        ref float w4 = ref WeightRow(ref w, end, o + 4, inputs);
        ref float w5 = ref WeightRow(ref w, end, o + 5, inputs);
        ref float w6 = ref WeightRow(ref w, end, o + 6, inputs);
        ref float w7 = ref WeightRow(ref w, end, o + 7, inputs);
        TVector a0 = TWidth.Zero, a1 = TWidth.Zero, a2 = TWidth.Zero, a3 = TWidth.Zero;
        TVector a4 = TWidth.Zero, a5 = TWidth.Zero, a6 = TWidth.Zero, a7 = TWidth.Zero;
        nint lanes = TWidth.Lanes, whole = inputs - (inputs % TWidth.Lanes);
        for (nint c = 0; c < whole; c += lanes)
        {
            TVector v = TWidth.Load(ref x, c);
            a0 = TWidth.MultiplyAdd(v, TWidth.Load(ref w0, c), a0);
            a1 = TWidth.MultiplyAdd(v, TWidth.Load(ref w1, c), a1);
            a2 = TWidth.MultiplyAdd(v, TWidth.Load(ref w2, c), a2);
            a3 = TWidth.MultiplyAdd(v, TWidth.Load(ref w3, c), a3);
            a4 = TWidth.MultiplyAdd(v, TWidth.Load(ref w4, c), a4);
            a5 = TWidth.MultiplyAdd(v, TWidth.Load(ref w5, c), a5);
            a6 = TWidth.MultiplyAdd(v, TWidth.Load(ref w6, c), a6);
            a7 = TWidth.MultiplyAdd(v, TWidth.Load(ref w7, c), a7);
        }

        if (whole != inputs)
        {
            TVector mask = TWidth.TailMask(inputs - (int)whole);
            nint c = inputs - lanes;
            TVector v = TWidth.And(mask, TWidth.Load(ref x, c));
            a0 = TWidth.MultiplyAdd(v, TWidth.And(mask, TWidth.Load(ref w0, c)), a0);
            a1 = TWidth.MultiplyAdd(v, TWidth.And(mask, TWidth.Load(ref w1, c)), a1);
            a2 = TWidth.MultiplyAdd(v, TWidth.And(mask, TWidth.Load(ref w2, c)), a2);
            a3 = TWidth.MultiplyAdd(v, TWidth.And(mask, TWidth.Load(ref w3, c)), a3);
            a4 = TWidth.MultiplyAdd(v, TWidth.And(mask, TWidth.Load(ref w4, c)), a4);
            a5 = TWidth.MultiplyAdd(v, TWidth.And(mask, TWidth.Load(ref w5, c)), a5);
            a6 = TWidth.MultiplyAdd(v, TWidth.And(mask, TWidth.Load(ref w6, c)), a6);
            a7 = TWidth.MultiplyAdd(v, TWidth.And(mask, TWidth.Load(ref w7, c)), a7);
        }

        Store(TWidth.Reduce4(a0, a1, a2, a3), ref b, o, end, ref y);
        if (o + 4 < end)
        {
            Store(TWidth.Reduce4(a4, a5, a6, a7), ref b, o + 4, end, ref y);
        }
    }

    /// <summary>y[o..] = sums + b[o..] for the outputs of the block before <paramref name="end"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector128<float> sums, ref float b, int o, int end, ref float y)
    {
        if (o + 4 <= end)
        {
            (sums + Vector128.LoadUnsafe(ref b, (nuint)o)).StoreUnsafe(ref y, (nuint)o);
            return;
        }

        for (int t = 0; o + t < end; t++)
        {
            Unsafe.Add(ref y, o + t) = sums.GetElement(t) + Unsafe.Add(ref b, o + t);
        }
    }

    /// <summary>Rows narrower than one vector: plain dot products.</summary>
    private static void Scalar(ref float x, int rows, int inputs, ref float w, ref float b, int outputs, ref float y, int start, int end)
    {
        for (int r = 0; r < rows; r++)
        {
            ref float xr = ref Unsafe.Add(ref x, (nint)r * inputs);
            for (int o = start; o < end; o++)
            {
                ref float wo = ref Unsafe.Add(ref w, (nint)o * inputs);
                float sum = 0f;
                for (int c = 0; c < inputs; c++)
                {
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref xr, c), Unsafe.Add(ref wo, c), sum);
                }

                Unsafe.Add(ref y, ((nint)r * outputs) + o) = sum + Unsafe.Add(ref b, o);
            }
        }
    }
}
