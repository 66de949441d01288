using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossAttention.Kernels;

/// <summary>
/// The register blocks of <see cref="PanelLinear{TKernel}"/> for one instruction set, as a type the JIT specializes
/// the driver for (every member a static abstract, inlined or called directly).
/// </summary>
internal unsafe interface IPanelKernel
{
    /// <summary>True when this CPU runs the blocks.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Floats per vector; a panel holds the rows of two vectors.</summary>
    static abstract int Lanes { get; }

    /// <summary>Outputs per register block.</summary>
    static abstract int BlockOutputs { get; }

    /// <summary>
    /// The <see cref="Lanes"/> × <see cref="Lanes"/> block at <paramref name="source"/> (rows
    /// <paramref name="sourceStride"/> floats apart) transposed into rows <paramref name="destinationStride"/> apart;
    /// in place when the two are the same.
    /// </summary>
    static abstract void Transpose(float* source, nint sourceStride, float* destination, nint destinationStride);

    /// <summary>
    /// <see cref="Lanes"/> / 2 rows of <see cref="Lanes"/> values (<paramref name="stride"/> floats apart) as square
    /// blocks of 8-byte pairs, transposed: pair q of every row into the vector at <c>destination + 2 · Lanes · q</c>
    /// (the layout of <see cref="PanelLinear{TKernel}.PackPairs"/>).
    /// </summary>
    static abstract void TransposePairs(float* source, nint stride, float* destination);

    /// <summary>
    /// Copies the <paramref name="count"/> rows at <paramref name="x"/> (1 to 2 × <see cref="Lanes"/>) into the panel
    /// <see cref="Block"/> reads for that many rows, with zeros past them (at most 2 × Lanes × inputs floats, 64-byte
    /// aligned); <see cref="PanelLinear{TKernel}.PackTransposed"/> is the layout of full panels.
    /// </summary>
    static abstract void Pack(float* x, int count, int inputs, float* panel);

    /// <summary>
    /// Outputs [0, <see cref="BlockOutputs"/>) — W's rows at <paramref name="w"/>, the bias at <paramref name="b"/> —
    /// of a panel's first <paramref name="count"/> rows (1 to 2 × <see cref="Lanes"/>), into y's rows
    /// <paramref name="outputs"/> apart; <paramref name="tiles"/> holds 2 × Lanes × Lanes floats of working space.
    /// </summary>
    static abstract void Block(float* panel, int inputs, float* w, float* b, float* y, int outputs, int count, float* tiles);

    /// <summary>The same projection as dot products along W's rows (<see cref="VectorLinear{TWidth, TVector}"/>), for the few rows a panel would waste.</summary>
    static abstract void ProjectRows(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>
    /// <see cref="ProjectRows"/> for outputs [<paramref name="first"/>, <paramref name="last"/>) only (y's rows
    /// <paramref name="outputs"/> apart), the same sums for each output.
    /// </summary>
    static abstract void ProjectRange(float* x, int rows, int inputs, float* w, float* b, int outputs, float* y, int first, int last);
}

/// <summary>
/// <c>y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ + b</c> as an outer product with the rows in the vector
/// lanes, as packed GEMM libraries (MLAS, oneDNN) run their micro-kernels: the call's rows are first copied, transposed,
/// into panels <c>[inputs, 2·Lanes]</c> (per thread, 64-byte aligned, lanes past the panel's rows zero), then a
/// register block (<typeparamref name="TKernel"/>: 32 rows × 12 outputs in 24 AVX-512 registers, 16 rows × 6 outputs in
/// 12 AVX2 registers) walks a panel one input at a time — two aligned panel loads and the block's weights broadcast
/// straight from W's own rows feed one FMA per accumulator, with no horizontal sums. A block's sums are transposed back
/// into rows of y once, after its last input.
/// </summary>
/// <remarks>
/// W is read where it is (SPEC §5: the spans are the storage); only x, far smaller than W in a layer's projections, is
/// rearranged, so packing costs about the same small fraction of a call at any row count. Rows go a vector's worth at
/// a time: when fewer than half a vector's worth are left over they go to <see cref="IPanelKernel.ProjectRange"/> (a
/// few rows cost little as dot products), tile by tile after the panels, while the tile's rows of W are still in the L2
/// cache (measured on a Zen 5, 49 rows × 768 → 512: the one row left over took 20 µs on its own, streaming all 1.5 MB
/// of W again from L3, against 193 µs for the 48 in panels); more fill a zero-padded panel, of at most one vector's
/// worth of rows in pairs of inputs (<see cref="PackPairs"/>). Every output of a full panel's rows is one chain of FMAs
/// over the inputs in order, of a pair panel's two (the even inputs, the odd ones) added at the end; either is computed
/// the same way whatever block, tile or thread computes it, and a row's panel depends only on its place in its chunk of
/// 256 rows, so results do not depend on how the call is split (threads take chunks of rows when there are several,
/// else ranges of outputs).
/// </remarks>
internal static unsafe class PanelLinear<TKernel>
    where TKernel : struct, IPanelKernel
{
    /// <summary>Calls of fewer rows take <see cref="IPanelKernel.ProjectRows"/>: a panel of them would be mostly padding.</summary>
    public static int MinimumRows => TKernel.Lanes;

    /// <summary>
    /// Calls of fewer inputs take <see cref="IPanelKernel.ProjectRows"/>: turning a block's sums back into rows costs as
    /// much as a few hundred FMAs, which fewer inputs do not pay for.
    /// </summary>
    public const int MinimumInputs = 128;

    /// <summary>The bytes of W one tile of outputs holds, as in <see cref="VectorLinear{TWidth, TVector}"/>.</summary>
    private const int TileBytes = 256 * 1024;

    /// <summary>
    /// Rows packed at a time (a whole number of panels of either width): the panels of a chunk stay in L2 with a tile of
    /// W, and a thread's panel buffer stays at 256 rows' worth however many rows a call has (a batch of Whisper
    /// contexts would otherwise keep hundreds of MB pinned per thread).
    /// </summary>
    private const int ChunkRows = 256;

    [ThreadStatic]
    private static float[]? t_panels;

    private static int PanelRows => 2 * TKernel.Lanes;

    /// <summary>True when this CPU runs the kernel and it pays for a call of this many rows, inputs and outputs.</summary>
    public static bool Accepts(int rows, int inputs, int outputs) =>
        TKernel.IsSupported && rows >= MinimumRows && inputs >= MinimumInputs && outputs >= TKernel.BlockOutputs;

    /// <summary>
    /// Projects <paramref name="rows"/> rows, split over threads — by chunks of rows, or by ranges of outputs — when that
    /// is asked for and worth it; a call <see cref="Accepts"/> turns down goes to <see cref="IPanelKernel.ProjectRows"/>.
    /// </summary>
    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y)
    {
        int outputs = b.Length, inputs = outputs == 0 ? 0 : w.Length / outputs;
        if (!Accepts(rows, inputs, outputs))
        {
            TKernel.ProjectRows(x, rows, w, b, y);
            return;
        }

        Debug.Assert(x.Length == (long)rows * inputs && y.Length == (long)rows * outputs && w.Length == (long)inputs * outputs);
        int panelRows = rows - LeftOver(rows), chunks = (panelRows + ChunkRows - 1) / ChunkRows, items = outputs / TKernel.BlockOutputs;
        long flops = 2L * rows * inputs * outputs;
        if (chunks > 1 && KernelParallel.ShouldSplit(chunks, flops))
        {
            // Enough rows for every thread to pack its own: threads take chunks of rows.
            KernelParallel.For<RowWork>(chunks, x, w, b, y, default, default, rows);
        }
        else if (KernelParallel.ShouldSplit(items, flops))
        {
            // Threads take ranges of outputs, each packing the (few) rows itself.
            KernelParallel.For<Work>(items, x, w, b, y, default, default, rows);
        }
        else
        {
            fixed (float* px = x, pw = w, pb = b, py = y)
            {
                Run(px, rows, inputs, pw, pb, outputs, py, 0, outputs);
            }
        }
    }

    /// <summary>Rows past the last whole vector's worth that go as dot products: fewer than half a vector's worth.</summary>
    private static int LeftOver(int rows) => rows % TKernel.Lanes < TKernel.Lanes / 2 ? rows % TKernel.Lanes : 0;

    /// <summary>
    /// Work items [start, end) on one thread (<c>spans.Count</c> = rows): the outputs of blocks [start, end) of every row,
    /// the last item running to the last output. The spans are pinned by <see cref="KernelParallel"/>.
    /// </summary>
    private readonly struct Work : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end)
        {
            int outputs = spans.C.Length, inputs = spans.B.Length / outputs, block = TKernel.BlockOutputs;
            int last = end == outputs / block ? outputs : end * block;
            PanelLinear<TKernel>.Run(Pointer(spans.A), spans.Count, inputs, Pointer(spans.B), Pointer(spans.C), outputs, Pointer(spans.D),
                                     start * block, last);
        }
    }

    /// <summary>
    /// Chunks of rows [start, end) on one thread (<c>spans.Count</c> = rows), every output; the last chunk takes the rows
    /// left over. The spans are pinned by <see cref="KernelParallel"/>.
    /// </summary>
    private readonly struct RowWork : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end)
        {
            int outputs = spans.C.Length, inputs = spans.B.Length / outputs, rows = spans.Count;
            int first = start * ChunkRows, last = Math.Min(end * ChunkRows, rows - LeftOver(rows));
            last = last == rows - LeftOver(rows) ? rows : last;
            PanelLinear<TKernel>.Run(Pointer(spans.A) + ((nint)first * inputs), last - first, inputs, Pointer(spans.B), Pointer(spans.C),
                                     outputs, Pointer(spans.D) + ((nint)first * outputs), 0, outputs);
        }
    }

    /// <summary>
    /// Outputs [first, last) of every row; <c>last − first</c> ≥ one block. The rows past the last whole vector's worth
    /// (<see cref="LeftOver"/>) go with the last chunk.
    /// </summary>
    private static void Run(float* x, int rows, int inputs, float* w, float* b, int outputs, float* y, int first, int last)
    {
        int panelRows = rows - LeftOver(rows);
        float* panels = ThreadPanels((nint)Math.Min(panelRows + PanelRows, ChunkRows) * inputs);
        float* tiles = stackalloc float[2 * 16 * 16];
        for (int start = 0; start < panelRows; start += ChunkRows)
        {
            int count = Math.Min(ChunkRows, panelRows - start), extra = start + count == panelRows ? rows - panelRows : 0;
            Chunk(x + ((nint)start * inputs), count, extra, inputs, w, b, outputs, y + ((nint)start * outputs), first, last, panels, tiles);
        }
    }

    /// <summary>
    /// Rows [0, <paramref name="rows"/>) (at most <see cref="ChunkRows"/>) in panels and the <paramref name="extra"/>
    /// rows after them as dot products, outputs [first, last).
    /// </summary>
    private static void Chunk(float* x, int rows, int extra, int inputs, float* w, float* b, int outputs, float* y, int first, int last, float* panels, float* tiles)
    {
        int panelRows = PanelRows, groups = (rows + panelRows - 1) / panelRows, block = TKernel.BlockOutputs;
        for (int g = 0; g < groups; g++)
        {
            TKernel.Pack(x + ((nint)g * panelRows * inputs), Math.Min(panelRows, rows - (g * panelRows)), inputs, panels + ((nint)g * panelRows * inputs));
        }

        // Outputs in tiles whose rows of W stay in the L2 cache while every panel passes over them. A block that would
        // run past the range ends at its end instead and recomputes a few outputs: the same sums, the same bits.
        int tile = Math.Max(block, TileBytes / sizeof(float) / inputs / block * block);
        for (int t0 = first; t0 < last; t0 += tile)
        {
            int t1 = Math.Min(last, t0 + tile);
            for (int g = 0; g < groups; g++)
            {
                int r = g * panelRows, count = Math.Min(panelRows, rows - r);
                float* panel = panels + ((nint)r * inputs);
                float* yr = y + ((nint)r * outputs);
                for (int o = t0; o < t1; o += block)
                {
                    int at = Math.Min(o, last - block);
                    TKernel.Block(panel, inputs, w + ((nint)at * inputs), b + at, yr + at, outputs, count, tiles);
                }
            }

            if (extra > 0)
            {
                TKernel.ProjectRange(x + ((nint)rows * inputs), extra, inputs, w, b, outputs, y + ((nint)rows * outputs), t0, t1);
            }
        }
    }

    /// <summary>The address of a span <see cref="KernelParallel"/> has pinned.</summary>
    private static float* Pointer(ReadOnlySpan<float> pinned) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(pinned));

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
    /// The panel of at most one vector's worth of rows in pairs of inputs: for each pair (2q, 2q + 1) the first half of
    /// the rows, then the second, each row's two values side by side — <c>panel[2L·q + L·h + 2r + e] = x[(L/2)·h + r,
    /// 2q + e]</c> with L = <see cref="IPanelKernel.Lanes"/>, zeros past <paramref name="count"/> rows and past the last
    /// input. A half of whole rows goes L inputs at a time through <see cref="IPanelKernel.TransposePairs"/>; the rest
    /// one value at a time.
    /// </summary>
    /// <remarks>
    /// With rows in pairs, one 8-byte broadcast of two weights feeds two FMAs (both halves of the rows), as a broadcast
    /// does for a two-vector panel of single inputs: one input at a time, a one-vector panel takes a broadcast per FMA.
    /// </remarks>
    public static void PackPairs(float* x, int count, int inputs, float* panel)
    {
        int lanes = TKernel.Lanes, halfRows = lanes / 2, pairs = (inputs + 1) / 2;
        for (int half = 0; half < 2; half++)
        {
            int valid = Math.Clamp(count - (halfRows * half), 0, halfRows);
            float* source = x + (halfRows * half * (nint)inputs), destination = panel + (lanes * half);
            int i = 0;
            if (valid == halfRows)
            {
                for (; i + lanes <= inputs; i += lanes)
                {
                    TKernel.TransposePairs(source + i, inputs, destination + ((nint)(i / 2) * PanelRows));
                }
            }

            for (; i < 2 * pairs; i++)
            {
                float* at = destination + ((nint)(i / 2) * PanelRows) + (i % 2);
                for (int r = 0; r < halfRows; r++)
                {
                    at[2 * r] = r < valid && i < inputs ? source[((nint)r * inputs) + i] : 0f;
                }
            }
        }
    }

    /// <summary>
    /// <c>panel[i, j] = x[j, i]</c> for the <paramref name="count"/> rows at <paramref name="x"/>, zeros for j ≥ count:
    /// each vector's worth of whole rows in square blocks transposed in registers, the inputs past the last whole block
    /// and a partial vector's worth one value at a time.
    /// </summary>
    public static void PackTransposed(float* x, int count, int inputs, float* panel)
    {
        int lanes = TKernel.Lanes, panelRows = PanelRows;
        for (int half = 0; half < 2; half++)
        {
            int valid = Math.Clamp(count - (lanes * half), 0, lanes);
            float* source = x + (lanes * half * (nint)inputs), destination = panel + (lanes * half);
            int i = 0;
            if (valid == lanes)
            {
                for (; i + lanes <= inputs; i += lanes)
                {
                    TKernel.Transpose(source + i, inputs, destination + ((nint)i * panelRows), panelRows);
                }
            }

            for (; i < inputs; i++)
            {
                float* row = destination + ((nint)i * panelRows);
                for (int j = 0; j < lanes; j++)
                {
                    row[j] = j < valid ? source[((nint)j * inputs) + i] : 0f;
                }
            }
        }
    }
}
