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
    /// of a panel's first <paramref name="count"/> rows (1 to 2 × <see cref="Lanes"/>), into the stage: output k's
    /// sums, bias added, for the panel's rows in <c>stage[2·Lanes·k + r]</c> (r below Lanes only when
    /// <paramref name="count"/> ≤ Lanes; lanes of rows past <paramref name="count"/> hold anything).
    /// </summary>
    static abstract void Block(float* panel, int inputs, float* w, float* b, int count, float* stage);

    /// <summary>
    /// The first <paramref name="width"/> values (at most <see cref="Lanes"/>) of the first <paramref name="rows"/> rows
    /// of a tile (rows <see cref="Lanes"/> floats apart) into y's rows <paramref name="outputs"/> apart, nothing else.
    /// </summary>
    static abstract void StoreRows(float* tile, int rows, int width, float* y, int outputs);

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
/// straight from W's own rows feed one FMA per accumulator, with no horizontal sums. A block's sums wait in a small
/// stage, a row per output, until the blocks of <see cref="GroupOutputs"/> outputs are done; then square tiles of the
/// stage are transposed into y's rows, each row's run of outputs written whole.
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
/// <para>
/// The stage is for y's sake: written straight from each block, a row took 12 outputs (48 bytes, masked, every other
/// store across two cache lines) at a time, its cache lines pushed out of L1 by the panel between one block and the
/// next. Measured on a Zen 5 (CPU family 26), one thread, side by side in one process: 1,500 × 384 → 384 (a Whisper
/// context's keys) 2.5–4.6% faster staged, 256 × 512 → 512 and 49 × 768 → 512 unchanged (± 1%). Writing y costs more
/// than that — the same call storing into a 16-row scratch instead of y ran 0.91× as long at 1,500 rows, 0.98× at 256 —
/// but what is left is y's own traffic: prefetching y's lines before a group (into L1 or L2), smaller chunks of rows
/// (128, 64) and smaller tiles of W (128 KB) each measured the same.
/// </para>
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

    /// <summary>
    /// Outputs staged before they go into y's rows: a whole number of blocks and of vectors on either width (12 and 16 on
    /// AVX-512, 6 and 8 on AVX2), 3 cache lines of each row.
    /// </summary>
    private const int GroupOutputs = 48;

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

    /// <summary>
    /// Two projections of the same rows into as many outputs each (a layer's keys and values from its context): on one
    /// thread each chunk of rows is packed once for both; calls that split over threads, or that the kernel turns down,
    /// go as two <see cref="Project"/> calls. The same sums either way.
    /// </summary>
    /// <remarks>
    /// Side by side in one process on a Zen 5 (CPU family 26), against two calls: 256 × 512 → 512 twice (medium's keys
    /// and values) 4.4–6.5% faster, 1,500 × 384 → 384 twice (a Whisper context's) 1.2–2.5%.
    /// </remarks>
    public static void ProjectPair(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, Span<float> y1,
                                   ReadOnlySpan<float> w2, ReadOnlySpan<float> b2, Span<float> y2)
    {
        int outputs = b1.Length, inputs = outputs == 0 ? 0 : w1.Length / outputs;
        if (!Accepts(rows, inputs, outputs) || b2.Length != outputs || w2.Length != w1.Length
            || KernelParallel.ShouldSplit(2 * (outputs / TKernel.BlockOutputs), 4L * rows * inputs * outputs))
        {
            Project(x, rows, w1, b1, y1);
            Project(x, rows, w2, b2, y2);
            return;
        }

        Debug.Assert(x.Length == (long)rows * inputs && y1.Length == (long)rows * outputs && y2.Length == (long)rows * outputs);
        fixed (float* px = x, pw1 = w1, pb1 = b1, py1 = y1, pw2 = w2, pb2 = b2, py2 = y2)
        {
            Run(px, rows, inputs, pw1, pb1, outputs, py1, 0, outputs, pw2, pb2, py2);
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
    /// (<see cref="LeftOver"/>) go with the last chunk. With a second projection (<paramref name="w2"/> not null, the
    /// same sizes), each chunk's panels serve both.
    /// </summary>
    private static void Run(float* x, int rows, int inputs, float* w, float* b, int outputs, float* y, int first, int last,
                            float* w2 = null, float* b2 = null, float* y2 = null)
    {
        int panelRows = rows - LeftOver(rows);
        float* panels = ThreadPanels((nint)Math.Min(panelRows + PanelRows, ChunkRows) * inputs);
        Debug.Assert(GroupOutputs % TKernel.BlockOutputs == 0 && GroupOutputs % TKernel.Lanes == 0);

        // The stage: a block's worth of rows before the group's first output (where a block that ends at `last` starts
        // when fewer outputs than a block are left), then the group's, 64-byte aligned; and a tile to transpose into.
        float* buffer = stackalloc float[((TKernel.BlockOutputs + GroupOutputs) * PanelRows) + (TKernel.Lanes * TKernel.Lanes) + 16];
        float* stage = (float*)(((nint)buffer + 63) & ~(nint)63), tiles = stage + ((TKernel.BlockOutputs + GroupOutputs) * PanelRows);
        for (int start = 0; start < panelRows; start += ChunkRows)
        {
            int count = Math.Min(ChunkRows, panelRows - start), extra = start + count == panelRows ? rows - panelRows : 0;
            float* chunk = x + ((nint)start * inputs);
            for (int r = 0; r < count; r += PanelRows)
            {
                TKernel.Pack(chunk + ((nint)r * inputs), Math.Min(PanelRows, count - r), inputs, panels + ((nint)r * inputs));
            }

            Chunk(chunk, count, extra, inputs, w, b, outputs, y + ((nint)start * outputs), first, last, panels, stage, tiles);
            if (w2 != null)
            {
                Chunk(chunk, count, extra, inputs, w2, b2, outputs, y2 + ((nint)start * outputs), first, last, panels, stage, tiles);
            }
        }
    }

    /// <summary>
    /// Rows [0, <paramref name="rows"/>) (at most <see cref="ChunkRows"/>, packed in <paramref name="panels"/>) and the
    /// <paramref name="extra"/> rows after them as dot products, outputs [first, last).
    /// </summary>
    private static void Chunk(float* x, int rows, int extra, int inputs, float* w, float* b, int outputs, float* y, int first, int last,
                              float* panels, float* stage, float* tiles)
    {
        int panelRows = PanelRows, groups = (rows + panelRows - 1) / panelRows, block = TKernel.BlockOutputs;
        // Outputs in tiles whose rows of W stay in the L2 cache while every panel passes over them, each tile in groups
        // that go through the stage. A block that would run past the range ends at its end instead and recomputes a few
        // outputs: the same sums, the same bits.
        int tile = Math.Max(GroupOutputs, TileBytes / sizeof(float) / inputs / GroupOutputs * GroupOutputs);
        for (int t0 = first; t0 < last; t0 += tile)
        {
            int t1 = Math.Min(last, t0 + tile);
            for (int g = 0; g < groups; g++)
            {
                int r = g * panelRows, count = Math.Min(panelRows, rows - r);
                float* panel = panels + ((nint)r * inputs);
                float* yr = y + ((nint)r * outputs);
                for (int o = t0; o < t1; o += GroupOutputs)
                {
                    int end = Math.Min(t1, o + GroupOutputs);
                    for (int ob = o; ob < end; ob += block)
                    {
                        int at = Math.Min(ob, last - block);
                        TKernel.Block(panel, inputs, w + ((nint)at * inputs), b + at, count, stage + ((nint)(at - o + block) * panelRows));
                    }

                    StoreStage(stage + (block * panelRows), end - o, count, yr + o, outputs, tiles);
                }
            }

            if (extra > 0)
            {
                TKernel.ProjectRange(x + ((nint)rows * inputs), extra, inputs, w, b, outputs, y + ((nint)rows * outputs), t0, t1);
            }
        }
    }

    /// <summary>
    /// Outputs [0, <paramref name="width"/>) of a panel's <paramref name="count"/> rows from the stage into y's rows: each
    /// square tile of whole rows and outputs transposed straight into y, a partial one through
    /// <paramref name="tiles"/>.
    /// </summary>
    private static void StoreStage(float* stage, int width, int count, float* y, int outputs, float* tiles)
    {
        int lanes = TKernel.Lanes, panelRows = PanelRows;
        for (int o = 0; o < width; o += lanes)
        {
            for (int half = 0; half * lanes < count; half++)
            {
                int rows = Math.Min(lanes, count - (half * lanes));
                float* source = stage + ((nint)o * panelRows) + (half * lanes), target = y + ((nint)half * lanes * outputs) + o;
                if (rows == lanes && o + lanes <= width)
                {
                    TKernel.Transpose(source, panelRows, target, outputs);
                }
                else
                {
                    TKernel.Transpose(source, panelRows, tiles, lanes);
                    TKernel.StoreRows(tiles, rows, width - o, target, outputs);
                }
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
