using System;
using System.Diagnostics;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using CrossAttention.Kernels;

namespace CrossAttention;

/// <summary>
/// Multi-head cross-attention for any valid shape on any CPU: vectorized with <see cref="Vector{T}"/> where the
/// hardware accelerates it (<see cref="KernelPath.GenericVector"/>), scalar otherwise
/// (<see cref="KernelPath.GenericScalar"/>). It is what every generated kernel falls back to, and what
/// <see cref="CrossAttentionKernels.Resolve"/> returns for shapes no generated kernel covers.
/// </summary>
/// <remarks>Holds no mutable state: one instance can be used from many threads at once.</remarks>
public sealed class GenericCrossAttention : ICrossAttention
{
    /// <summary>Key counts up to this keep their scores on the stack; longer rows use the thread's scratch buffer.</summary>
    private const int StackScoreLimit = 4096;

    /// <summary>The vector path scores as many query rows at once as fit this many floats (at least one row).</summary>
    private const int ScoreBlockLength = 1024;

    private readonly bool _vector;

    /// <summary>Creates the generic kernel for <paramref name="shape"/>.</summary>
    public GenericCrossAttention(CrossAttentionShape shape)
        : this(shape, DefaultPath)
    {
    }

    /// <summary>Creates the generic kernel on a chosen path (tests use it to run the scalar path on any CPU).</summary>
    internal GenericCrossAttention(CrossAttentionShape shape, KernelPath path)
    {
        ArgumentNullException.ThrowIfNull(shape);
        if (path is not (KernelPath.GenericVector or KernelPath.GenericScalar))
        {
            throw new ArgumentOutOfRangeException(nameof(path), path, "The generic kernel runs GenericVector or GenericScalar.");
        }

        Shape = shape;
        _vector = path == KernelPath.GenericVector;
    }

    /// <summary>The generic path this CPU takes: vector where <see cref="Vector{T}"/> is hardware accelerated.</summary>
    public static KernelPath DefaultPath { get; } =
        Vector.IsHardwareAccelerated ? KernelPath.GenericVector : KernelPath.GenericScalar;

    /// <inheritdoc/>
    public CrossAttentionShape Shape { get; }

    /// <inheritdoc/>
    public KernelPath Path => _vector ? KernelPath.GenericVector : KernelPath.GenericScalar;

    /// <inheritdoc/>
    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output) =>
        Attend(q, k, v, output, default, default);

    /// <inheritdoc/>
    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                       ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        CrossAttentionShape s = Shape;
        int batch = KernelArguments.Attend(s, q.Length, k.Length, v.Length, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch != 0)
        {
            AttendCore(q, k, v, output, keyMask, attentionWeights, batch);
        }
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output) =>
        Forward(queries, context, weights, output, default, default);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                        ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        CrossAttentionShape s = Shape;
        int batch = KernelArguments.Forward(s, queries.Length, context.Length, weights, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch == 0)
        {
            return;
        }

        int queryLength = batch * s.QueryLength, keyLength = batch * s.KeyValueLength;
        using var scratch = new Scratch((2 * queryLength) + (2 * keyLength));
        Span<float> q = scratch.Span[..queryLength], attended = scratch.Span.Slice(queryLength, queryLength);
        Span<float> k = scratch.Span.Slice(2 * queryLength, keyLength), v = scratch.Span.Slice((2 * queryLength) + keyLength, keyLength);
        Project(context, weights.Wk, weights.Bk, k, s.KvDim);
        Project(context, weights.Wv, weights.Bv, v, s.KvDim);
        ForwardCore(queries, k, v, weights, output, keyMask, attentionWeights, batch, q, attended);
    }

    /// <inheritdoc/>
    public ProjectedContext ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights)
    {
        int batch = KernelArguments.ProjectContext(Shape, context.Length, weights);
        var projected = new ProjectedContext(Shape, batch);
        ProjectContextCore(context, weights, projected);
        return projected;
    }

    /// <inheritdoc/>
    public void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into)
    {
        KernelArguments.ProjectContext(Shape, context.Length, weights, into);
        ProjectContextCore(context, weights, into);
    }

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output) =>
        Forward(queries, context, weights, output, default, default);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                        ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        CrossAttentionShape s = Shape;
        int batch = KernelArguments.Forward(s, queries.Length, context, weights, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch == 0)
        {
            return;
        }

        int queryLength = batch * s.QueryLength;
        using var scratch = new Scratch(2 * queryLength);
        ForwardCore(queries, context.Keys, context.Values, weights, output, keyMask, attentionWeights, batch,
                    scratch.Span[..queryLength], scratch.Span[queryLength..]);
    }

    private void ProjectContextCore(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into)
    {
        Project(context, weights.Wk, weights.Bk, into.Keys, Shape.KvDim);
        Project(context, weights.Wv, weights.Bv, into.Values, Shape.KvDim);
    }

    /// <summary>Query projection, attention on projected keys and values, output projection.</summary>
    private void ForwardCore(ReadOnlySpan<float> queries, ReadOnlySpan<float> k, ReadOnlySpan<float> v, CrossAttentionWeights weights,
                             Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch,
                             Span<float> q, Span<float> attended)
    {
        Project(queries, weights.Wq, weights.Bq, q, Shape.D);
        AttendCore(q, k, v, attended, keyMask, attentionWeights, batch);
        Project(attended, weights.Wo, weights.Bo, output, Shape.D);
    }

    /// <summary>
    /// y = x·Wᵀ + b with as many outputs as the bias has (D, or KvHeads · dh for keys and values), its rows split over
    /// threads when asked for and worth it.
    /// </summary>
    private void Project(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int inputs)
    {
        int rows = x.Length / inputs;
        if (KernelParallel.ShouldSplit(rows, 2L * rows * inputs * bias.Length))
        {
            KernelParallel.For<ProjectionWork>(rows, x, weight, bias, y, default, default, inputs, this);
        }
        else
        {
            PortableLinear.Apply(x, weight, bias, y, inputs, bias.Length, _vector);
        }
    }

    /// <summary>Rows [start, end) of a projection (<c>spans.Count</c> = its input size).</summary>
    private readonly struct ProjectionWork : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end)
        {
            var kernel = (GenericCrossAttention)spans.State!;
            int inputs = spans.Count, outputs = spans.C.Length;
            PortableLinear.Apply(spans.A[(start * inputs)..(end * inputs)], spans.B, spans.C,
                                 spans.D[(start * outputs)..(end * outputs)], inputs, outputs, kernel._vector);
        }
    }

    /// <summary>Attention over the call's batch × heads items, split over threads when asked for and worth it.</summary>
    private void AttendCore(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                            ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch)
    {
        int items = batch * Shape.Heads;
        if (KernelParallel.ShouldSplit(items, batch * Shape.AttendFlops))
        {
            KernelParallel.For<AttendWork>(items, q, k, v, output, keyMask, attentionWeights, batch, this);
        }
        else
        {
            AttendItems(q, k, v, output, keyMask, attentionWeights, 0, items);
        }
    }

    private readonly struct AttendWork : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end) =>
            ((GenericCrossAttention)spans.State!).AttendItems(spans.A, spans.B, spans.C, spans.D, spans.E, spans.F, start, end);
    }

    /// <summary>Items [start, end) on this thread; item = batch item · Heads + head.</summary>
    [SkipLocalsInit]
    private void AttendItems(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                             ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int start, int end)
    {
        CrossAttentionShape s = Shape;
        if (_vector)
        {
            AttendItemsVector(q, k, v, output, keyMask, attentionWeights, start, end);
            return;
        }

        using var scratch = new Scratch(s.Lkv <= StackScoreLimit ? 0 : s.Lkv);
        Span<float> scores = s.Lkv <= StackScoreLimit ? stackalloc float[StackScoreLimit].Slice(0, s.Lkv) : scratch.Span;
        for (int item = start; item < end; item++)
        {
            // Query head h reads key/value head h / GroupSize (grouped-query attention; the same head without it).
            int b = item / s.Heads, h = item % s.Heads, kvColumn = h / s.GroupSize * s.HeadSize;
            ReadOnlySpan<bool> mask = keyMask.IsEmpty ? default : keyMask.Slice(b * s.Lkv, s.Lkv);
            ReadOnlySpan<float> kItem = k.Slice(b * s.KeyValueLength, s.KeyValueLength)[kvColumn..];
            ReadOnlySpan<float> vItem = v.Slice(b * s.KeyValueLength, s.KeyValueLength)[kvColumn..];
            for (int i = 0; i < s.Lq; i++)
            {
                int row = (b * s.Lq + i) * s.D + h * s.HeadSize;
                Span<float> weights = attentionWeights.IsEmpty
                    ? default
                    : attentionWeights.Slice(((item * s.Lq) + i) * s.Lkv, s.Lkv);
                AttendRow(q.Slice(row, s.HeadSize), kItem, vItem, output.Slice(row, s.HeadSize), mask, ShapeRules.VisibleKeys(i, s.Lq, s.Lkv, s.Causal), weights, scores);
            }
        }
    }

    /// <summary>
    /// Items [start, end) on the vector path, a block of score rows at a time: the query rows of one head, as many as
    /// fit <see cref="ScoreBlockLength"/> floats, or, when a whole head fits, the rows of as many consecutive heads of one
    /// batch item as fit (all 8 heads at once at the latent shape, where one head is 8 scores). Rows of a few keys so
    /// still fill the vectors of the exponential, and a small shape pays the fixed costs of a block once per batch item
    /// rather than once per head.
    /// </summary>
    /// <remarks>
    /// Every score, maximum, exponential and sum is computed the same way whichever block and position holds it (the
    /// exponential runs on whole vectors, lane by lane), so results do not depend on how items are grouped or split over
    /// threads.
    /// </remarks>
    [SkipLocalsInit]
    private void AttendItemsVector(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                                   ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int start, int end)
    {
        CrossAttentionShape s = Shape;
        int lq = s.Lq, lkv = s.Lkv, heads = s.Heads;
        int blockRows = Math.Clamp(ScoreBlockLength / lkv, 1, lq);
        int blockHeads = blockRows == lq ? Math.Clamp(ScoreBlockLength / (lq * lkv), 1, heads) : 1;
        int rowCount = blockHeads * blockRows;

        // Rows of fewer keys than a vector has lanes go key-major, with a row of sums after the keys' (FewKeysBlock).
        int length = IsFewKeys(lkv) ? (lkv + 1) * RoundUpToVector(rowCount) : RoundUpToVector(rowCount * lkv);
        using var scratch = new Scratch(length <= StackScoreLimit ? 0 : length);
        Span<float> scores = length <= StackScoreLimit ? stackalloc float[StackScoreLimit].Slice(0, length) : scratch.Span;

        // Per block row: its query row's offset in q (and the output), and its key/value head's column.
        // (A block has at most ScoreBlockLength rows: a row holds at least one score.)
        Span<int> rowOffsets = stackalloc int[ScoreBlockLength].Slice(0, rowCount);
        Span<int> kvColumns = stackalloc int[ScoreBlockLength].Slice(0, rowCount);
        for (int item = start; item < end;)
        {
            // Heads [h, h + count) of batch item b: as many as a block holds, not past the range or the batch item.
            int b = item / heads, h = item % heads;
            int count = Math.Min(Math.Min(blockHeads, heads - h), end - item);
            ReadOnlySpan<bool> mask = keyMask.IsEmpty ? default : keyMask.Slice(b * lkv, lkv);
            AttendHeadsVector(q, k.Slice(b * s.KeyValueLength, s.KeyValueLength), v.Slice(b * s.KeyValueLength, s.KeyValueLength),
                              output, mask,
                              attentionWeights.IsEmpty ? default : attentionWeights.Slice(item * lq * lkv, count * lq * lkv),
                              b, h, count, blockRows, scores, rowOffsets, kvColumns);
            item += count;
        }
    }

    /// <summary>Whole vectors covering <paramref name="length"/> floats.</summary>
    private static int RoundUpToVector(int length) => (length + Vector<float>.Count - 1) / Vector<float>.Count * Vector<float>.Count;

    /// <summary>Whether rows of <paramref name="lkv"/> keys are shorter than a vector: they then go key-major.</summary>
    private static bool IsFewKeys(int lkv) => lkv < Vector<float>.Count;

    /// <summary>
    /// Heads [<paramref name="firstHead"/>, + <paramref name="headCount"/>) of batch item <paramref name="b"/> on the vector
    /// path, in blocks of score rows (a row: one query row of one head). With more than one head, a block is every query
    /// row of every head; with one, <paramref name="blockRows"/> query rows of it. Rows of at least a vector of keys go
    /// row-major: scores four keys per pass over the query row, each row shifted by its maximum, an exponential over the
    /// whole block's scores, then each output vector summed over the keys in registers. Shorter rows go key-major
    /// (<see cref="FewKeysBlock"/>). <paramref name="keys"/> and <paramref name="values"/> are the batch item's
    /// [Lkv, KvHeads · dh]; <paramref name="weights"/> is the heads' [heads, Lq, Lkv] block or empty. A causal row
    /// scores only the keys it sees.
    /// </summary>
    private void AttendHeadsVector(ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, Span<float> output,
                                   ReadOnlySpan<bool> mask, Span<float> weights, int b, int firstHead, int headCount, int blockRows,
                                   Span<float> scores, Span<int> rowOffsets, Span<int> kvColumns)
    {
        CrossAttentionShape s = Shape;
        int d = s.D, dh = s.HeadSize, lq = s.Lq, lkv = s.Lkv, kvStride = s.KeyValueWidth, groupSize = s.GroupSize;
        bool causal = s.Causal;
        if (!mask.IsEmpty && !mask.Contains(true))
        {
            // Every key masked: the heads' output columns and weights are zeros.
            for (int i = 0; i < lq; i++)
            {
                output.Slice(((b * lq + i) * d) + (firstHead * dh), headCount * dh).Clear();
            }

            weights.Clear();
            return;
        }

        ref float k = ref MemoryMarshal.GetReference(keys);
        ref float v = ref MemoryMarshal.GetReference(values);
        ref float qItem = ref Unsafe.Add(ref MemoryMarshal.GetReference(q), b * lq * d);
        ref float oItem = ref Unsafe.Add(ref MemoryMarshal.GetReference(output), b * lq * d);
        for (int first = 0; first < lq; first += blockRows)
        {
            // Block row t is query row first + t % rows of head firstHead + t / rows; a causal one sees
            // firstVisible + t % rows keys.
            int rows = Math.Min(blockRows, lq - first), count = headCount * rows;
            int firstVisible = ShapeRules.VisibleKeys(first, lq, lkv, causal);
            for (int hh = 0, t = 0; hh < headCount; hh++)
            {
                int h = firstHead + hh, kvColumn = h / groupSize * dh;
                for (int r = 0; r < rows; r++, t++)
                {
                    rowOffsets[t] = ((first + r) * d) + (h * dh);
                    kvColumns[t] = kvColumn;
                }
            }

            var block = new ScoreBlock(count, rows, lkv, firstVisible, causal, rowOffsets, kvColumns,
                                       weights.IsEmpty ? default : weights[(first * lkv)..], lq * lkv);
            if (IsFewKeys(lkv))
            {
                FewKeysBlock(in block, ref qItem, ref k, ref v, kvStride, dh, s.Scale, mask, scores, ref oItem);
                continue;
            }

            Span<float> rowMajor = scores[..(count * lkv)];
            for (int t = 0, r = 0; t < count; t++, r = r + 1 == rows ? 0 : r + 1)
            {
                Scores(ref Unsafe.Add(ref qItem, rowOffsets[t]), ref Unsafe.Add(ref k, kvColumns[t]), kvStride, dh, s.Scale,
                       rowMajor.Slice(t * lkv, block.Visible(r)));
            }

            ShiftRows(in block, rowMajor, mask);

            // Whole vectors: the padding past the block (and the keys a causal row does not see) are computed, never read.
            Span<float> padded = scores[..RoundUpToVector(rowMajor.Length)];
            padded[rowMajor.Length..].Clear();
            Exp(padded);
            WeightRows(in block, rowMajor, mask, ref v, kvStride, ref oItem, dh);
        }
    }

    /// <summary>
    /// A block of score rows: <see cref="Count"/> rows, <see cref="Rows"/> query rows per head (row t is query row
    /// t % Rows of the block's first, of its head t / Rows), each row's offset in q and the output and its key/value
    /// head's column, and where the rows' attention weights go (row t's at <see cref="Weights"/> + (t / Rows) ·
    /// <see cref="HeadWeights"/> + (t % Rows) · Lkv, when asked for).
    /// </summary>
    private readonly ref struct ScoreBlock(int count, int rows, int lkv, int firstVisible, bool causal, ReadOnlySpan<int> rowOffsets,
                                           ReadOnlySpan<int> kvColumns, Span<float> weights, int headWeights)
    {
        public readonly int Count = count, Rows = rows, Lkv = lkv, FirstVisible = firstVisible, HeadWeights = headWeights;
        public readonly bool Causal = causal;
        public readonly ReadOnlySpan<int> RowOffsets = rowOffsets, KvColumns = kvColumns;
        public readonly Span<float> Weights = weights;

        /// <summary>The keys a row seen by query row r (of the block's first) sees: all, or a causal row's.</summary>
        public int Visible(int r) => Causal ? FirstVisible + r : Lkv;
    }

    /// <summary>
    /// A block whose rows have fewer keys than a vector has lanes, key-major: <paramref name="scores"/>[j · n + t] is row
    /// t's score for key j, n the rows rounded up to whole vectors, and the row of sums follows the keys'. Each key's
    /// scores take four rows per pass (Dot4, four sums in flight however few the keys), and each row's maximum,
    /// exponentials and sum are then a vector of rows at a time, with no horizontal step, no per-row set-up and no short
    /// scalar loop; a row's output is its value rows weighted by its exponentials over their sum.
    /// </summary>
    /// <remarks>
    /// At the latent shape (32 rows of 2 keys, dh = 8) the generic <c>Attend</c> took 580–600 ns row-major on a Zen 5
    /// (CPU family 26): per row a maximum, a subtraction and a sum of two floats, each a loop of its own, with the
    /// exponential's vector loads waiting on the subtraction's scalar stores. Key-major it took 355–375 ns, side by side
    /// with a plain scalar loop's 1,380–1,480 ns (2.4× → 3.9× it).
    /// </remarks>
    private static void FewKeysBlock(in ScoreBlock block, ref float q, ref float k, ref float v, int kvStride, int dh, float scale,
                                     ReadOnlySpan<bool> mask, Span<float> scores, ref float output)
    {
        int lanes = Vector<float>.Count, count = block.Count, rows = block.Rows, lkv = block.Lkv, n = RoundUpToVector(count), last = count - 1;
        ReadOnlySpan<int> rowOffsets = block.RowOffsets, kvColumns = block.KvColumns;
        Debug.Assert(scores.Length >= (lkv + 1) * n, "The buffer holds a row of scores per key and the row of sums.");
        ref float s = ref MemoryMarshal.GetReference(scores);
        for (int j = 0; j < lkv; j++)
        {
            // Rows t..t+3 against key j (a last pass of fewer rows repeats the last: every lane is its own sum).
            ref float sj = ref Unsafe.Add(ref s, j * n);
            ref float kj = ref Unsafe.Add(ref k, j * kvStride);
            int t = 0;
            for (; t < count; t += 4)
            {
                int t1 = Math.Min(t + 1, last), t2 = Math.Min(t + 2, last), t3 = Math.Min(t + 3, last);
                Dot4(ref Unsafe.Add(ref q, rowOffsets[t]), ref Unsafe.Add(ref q, rowOffsets[t1]),
                     ref Unsafe.Add(ref q, rowOffsets[t2]), ref Unsafe.Add(ref q, rowOffsets[t3]),
                     ref Unsafe.Add(ref kj, kvColumns[t]), ref Unsafe.Add(ref kj, kvColumns[t1]),
                     ref Unsafe.Add(ref kj, kvColumns[t2]), ref Unsafe.Add(ref kj, kvColumns[t3]),
                     dh, scale, ref Unsafe.Add(ref sj, t));
            }

            // n is whole vectors, a multiple of 4: the rest of the key's row is padding, computed and never read.
            MemoryMarshal.CreateSpan(ref Unsafe.Add(ref sj, t), n - t).Clear();

            // A masked key, and a key a causal row does not see, get −∞: e^(−∞ − max) = 0.
            if (!mask.IsEmpty && !mask[j])
            {
                MemoryMarshal.CreateSpan(ref sj, n).Fill(float.NegativeInfinity);
            }
            else if (block.Causal)
            {
                for (int u = 0, r = 0; u < count; u++, r = r + 1 == rows ? 0 : r + 1)
                {
                    if (j >= block.Visible(r))
                    {
                        Unsafe.Add(ref sj, u) = float.NegativeInfinity;
                    }
                }
            }
        }

        // A vector of rows at a time: the maximum over the keys, e^(score − max), and the sum in key order.
        ref float sums = ref Unsafe.Add(ref s, lkv * n);
        var none = new Vector<float>(float.NegativeInfinity);
        for (int t = 0; t < n; t += lanes)
        {
            ref float st = ref Unsafe.Add(ref s, t);
            Vector<float> max = Vector.LoadUnsafe(ref st);
            for (int j = 1; j < lkv; j++)
            {
                max = Vector.Max(max, Vector.LoadUnsafe(ref st, (nuint)(j * n)));
            }

            // A row with no key left (every key masked or unseen) keeps its −∞ scores, whose exponentials sum to 0.
            max = Vector.ConditionalSelect(Vector.Equals(max, none), Vector<float>.Zero, max);
            Vector<float> sum = Vector<float>.Zero;
            for (int j = 0; j < lkv; j++)
            {
                Vector<float> e = PortableMath.Exp(Vector.LoadUnsafe(ref st, (nuint)(j * n)) - max);
                e.StoreUnsafe(ref st, (nuint)(j * n));
                sum += e;
            }

            sum.StoreUnsafe(ref sums, (nuint)t);
        }

        for (int t = 0, r = 0, w0 = 0; t < count; t++)
        {
            int visible = block.Visible(r);
            Span<float> o = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, rowOffsets[t]), dh);
            Span<float> w = block.Weights.IsEmpty ? default : block.Weights.Slice(w0 + (r * lkv), lkv);
            float total = Unsafe.Add(ref sums, t);
            if (total == 0f)
            {
                o.Clear();
                w.Clear();
            }
            else
            {
                float inverse = 1f / total;
                ref float p = ref Unsafe.Add(ref s, t);
                WeightedSum(ref p, n, visible, ref Unsafe.Add(ref v, kvColumns[t]), kvStride, mask, inverse, o);
                for (int j = 0; j < w.Length; j++)
                {
                    w[j] = j < visible && (mask.IsEmpty || mask[j]) ? Unsafe.Add(ref p, j * n) * inverse : 0f;
                }
            }

            if (++r == rows)
            {
                r = 0;
                w0 += block.HeadWeights;
            }
        }
    }

    /// <summary>
    /// Shifts each row of a row-major block by its maximum after setting its masked keys' scores to −∞
    /// (e^(−∞ − max) = 0); the keys a causal row does not see are left out. A row with no key left (causal rows whose
    /// keys are all masked) stays −∞ and sums to 0.
    /// </summary>
    private static void ShiftRows(in ScoreBlock block, Span<float> scores, ReadOnlySpan<bool> mask)
    {
        ref float row = ref MemoryMarshal.GetReference(scores);
        for (int t = 0, r = 0; t < block.Count; t++, r = r + 1 == block.Rows ? 0 : r + 1, row = ref Unsafe.Add(ref row, block.Lkv))
        {
            Span<float> seen = MemoryMarshal.CreateSpan(ref row, block.Visible(r));
            float max = MaskedMax(seen, mask);
            if (max != float.NegativeInfinity)
            {
                Subtract(seen, max);
            }
        }
    }

    /// <summary>
    /// A row-major block's outputs from its exponentials: row t's output is its value rows weighted by its exponentials
    /// over their sum, and its attention weights, when asked for, are those weights (0 for a masked or unseen key).
    /// </summary>
    private static void WeightRows(in ScoreBlock block, Span<float> scores, ReadOnlySpan<bool> mask, ref float values, int kvStride,
                                   ref float output, int dh)
    {
        int lkv = block.Lkv;
        for (int t = 0, r = 0, w0 = 0; t < block.Count; t++)
        {
            int visible = block.Visible(r);
            Span<float> p = scores.Slice(t * lkv, visible);
            Span<float> o = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref output, block.RowOffsets[t]), dh);
            Span<float> w = block.Weights.IsEmpty ? default : block.Weights.Slice(w0 + (r * lkv), lkv);
            float total = Sum(p);
            if (total == 0f)
            {
                // No attended key: the row's maximum, e^0 = 1, is in every other row's sum.
                o.Clear();
                w.Clear();
            }
            else
            {
                float inverse = 1f / total;
                WeightedSum(ref MemoryMarshal.GetReference(p), 1, visible, ref Unsafe.Add(ref values, block.KvColumns[t]), kvStride, mask, inverse, o);
                for (int j = 0; j < w.Length; j++)
                {
                    w[j] = j < visible && (mask.IsEmpty || mask[j]) ? p[j] * inverse : 0f;
                }
            }

            if (++r == block.Rows)
            {
                r = 0;
                w0 += block.HeadWeights;
            }
        }
    }

    /// <summary>
    /// scores[j] = scale · (query · key j), four keys per pass so each query vector is loaded once for four; key rows
    /// <paramref name="d"/> apart.
    /// </summary>
    private static void Scores(ref float x, ref float k, int d, int dh, float scale, Span<float> scores)
    {
        ref float s = ref MemoryMarshal.GetReference(scores);
        int j = 0;
        for (; j + 4 <= scores.Length; j += 4)
        {
            ref float k0 = ref Unsafe.Add(ref k, j * d);
            ref float k1 = ref Unsafe.Add(ref k0, d);
            ref float k2 = ref Unsafe.Add(ref k1, d);
            ref float k3 = ref Unsafe.Add(ref k2, d);
            Dot4(ref x, ref x, ref x, ref x, ref k0, ref k1, ref k2, ref k3, dh, scale, ref Unsafe.Add(ref s, j));
        }

        for (; j < scores.Length; j++)
        {
            scores[j] = Dot(ref x, ref Unsafe.Add(ref k, j * d), dh) * scale;
        }
    }

    /// <summary>destination[0..4) = scale · (x_t · k_t), the four sums side by side (a vector each, then a tail).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Dot4(ref float x0, ref float x1, ref float x2, ref float x3, ref float k0, ref float k1, ref float k2, ref float k3,
                             int dh, float scale, ref float destination)
    {
        int lanes = Vector<float>.Count, whole = dh - (dh % lanes);
        Vector<float> a0 = Vector<float>.Zero, a1 = Vector<float>.Zero, a2 = Vector<float>.Zero, a3 = Vector<float>.Zero;
        for (int c = 0; c < whole; c += lanes)
        {
            a0 = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref x0, (nuint)c), Vector.LoadUnsafe(ref k0, (nuint)c), a0);
            a1 = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref x1, (nuint)c), Vector.LoadUnsafe(ref k1, (nuint)c), a1);
            a2 = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref x2, (nuint)c), Vector.LoadUnsafe(ref k2, (nuint)c), a2);
            a3 = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref x3, (nuint)c), Vector.LoadUnsafe(ref k3, (nuint)c), a3);
        }

        // The four horizontal sums in one transposing reduction where the width has one (a few shuffles for all four).
        Vector128<float> sums = Reduce4(a0, a1, a2, a3);
        if (whole != dh)
        {
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
            for (int c = whole; c < dh; c++)
            {
                s0 += Unsafe.Add(ref x0, c) * Unsafe.Add(ref k0, c);
                s1 += Unsafe.Add(ref x1, c) * Unsafe.Add(ref k1, c);
                s2 += Unsafe.Add(ref x2, c) * Unsafe.Add(ref k2, c);
                s3 += Unsafe.Add(ref x3, c) * Unsafe.Add(ref k3, c);
            }

            sums += Vector128.Create(s0, s1, s2, s3);
        }

        (sums * scale).StoreUnsafe(ref destination);
    }

    /// <summary>Lane t of the result is the sum of the lanes of <c>a{t}</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Reduce4(Vector<float> a0, Vector<float> a1, Vector<float> a2, Vector<float> a3) =>
        Vector<float>.Count == 8 ? Vector256Primitives.Reduce4(a0.AsVector256(), a1.AsVector256(), a2.AsVector256(), a3.AsVector256())
        : Vector<float>.Count == 4 ? Vector128Primitives.Reduce(a0.AsVector128(), a1.AsVector128(), a2.AsVector128(), a3.AsVector128())
        : Vector128.Create(Vector.Sum(a0), Vector.Sum(a1), Vector.Sum(a2), Vector.Sum(a3));

    /// <summary>x · k over <paramref name="dh"/> floats: a vector at a time, then a tail.</summary>
    private static float Dot(ref float x, ref float k, int dh)
    {
        int lanes = Vector<float>.Count, whole = dh - (dh % lanes);
        Vector<float> a = Vector<float>.Zero;
        for (int c = 0; c < whole; c += lanes)
        {
            a = Vector.MultiplyAddEstimate(Vector.LoadUnsafe(ref x, (nuint)c), Vector.LoadUnsafe(ref k, (nuint)c), a);
        }

        float sum = Vector.Sum(a);
        for (int c = whole; c < dh; c++)
        {
            sum += Unsafe.Add(ref x, c) * Unsafe.Add(ref k, c);
        }

        return sum;
    }

    /// <summary>
    /// The largest of <paramref name="row"/>'s scores after each masked key's is set to −∞ (NaN if any is NaN; −∞ if
    /// every key is masked): a vector at a time, then a tail, with no branch on the scores.
    /// </summary>
    private static float MaskedMax(Span<float> row, ReadOnlySpan<bool> mask)
    {
        ref float start = ref MemoryMarshal.GetReference(row);
        if (!mask.IsEmpty)
        {
            for (int i = 0; i < row.Length; i++)
            {
                Unsafe.Add(ref start, i) = mask[i] ? Unsafe.Add(ref start, i) : float.NegativeInfinity;
            }
        }

        int j = 0, lanes = Vector<float>.Count;
        float max = float.NegativeInfinity;
        if (row.Length >= lanes)
        {
            var m = new Vector<float>(float.NegativeInfinity);
            for (; j <= row.Length - lanes; j += lanes)
            {
                m = Vector.Max(m, Vector.LoadUnsafe(ref start, (nuint)j));
            }

            for (int l = 0; l < lanes; l++)
            {
                max = MathF.Max(max, m[l]);
            }
        }

        for (; j < row.Length; j++)
        {
            max = MathF.Max(max, Unsafe.Add(ref start, j));
        }

        return max;
    }

    /// <summary>row[j] −= max.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Subtract(Span<float> row, float max)
    {
        int j = 0;
        ref float start = ref MemoryMarshal.GetReference(row);
        var shift = new Vector<float>(max);
        for (; j <= row.Length - Vector<float>.Count; j += Vector<float>.Count)
        {
            (Vector.LoadUnsafe(ref start, (nuint)j) - shift).StoreUnsafe(ref start, (nuint)j);
        }

        for (; j < row.Length; j++)
        {
            row[j] -= max;
        }
    }

    /// <summary>x = e^x over whole vectors of shifted scores (−∞, a masked key, becomes 0).</summary>
    private static void Exp(Span<float> block)
    {
        ref float start = ref MemoryMarshal.GetReference(block);
        for (int j = 0; j + Vector<float>.Count <= block.Length; j += Vector<float>.Count)
        {
            PortableMath.Exp(Vector.LoadUnsafe(ref start, (nuint)j)).StoreUnsafe(ref start, (nuint)j);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float Sum(ReadOnlySpan<float> row)
    {
        int j = 0;
        float sum = 0f;
        if (row.Length >= Vector<float>.Count)
        {
            ref float start = ref MemoryMarshal.GetReference(row);
            Vector<float> total = Vector<float>.Zero;
            for (; j <= row.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                total += Vector.LoadUnsafe(ref start, (nuint)j);
            }

            sum = Vector.Sum(total);
        }

        for (; j < row.Length; j++)
        {
            sum += row[j];
        }

        return sum;
    }

    /// <summary>
    /// output = inverse · Σ_j p[j · <paramref name="stride"/>] · value row j over the first <paramref name="lkv"/> keys,
    /// masked ones left out (a row-major row's weights are side by side, a key-major one's a block's rows apart): eight
    /// output vectors at a time (each weight broadcast once for eight multiply-adds, eight sums in flight, a value row
    /// read once per key), then four, then one (in two sums, even and odd keys), then a scalar tail. Sums start at −0,
    /// the identity of +, so a single attended key reproduces its value row bit for bit.
    /// </summary>
    /// <remarks>
    /// With one output vector at a time in two registers, each weight broadcast again for every vector, the generic
    /// medium <c>Attend</c> (dh = 64: eight 8-lane vectors) ran at 14% of the FMA peak on a Zen 5 (CPU family 26), slower
    /// than the same attention written with <c>TensorPrimitives</c>; with this one, 1,200 → 533 µs.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void WeightedSum(ref float p, int stride, int lkv, ref float v, int d, ReadOnlySpan<bool> mask, float inverse,
                                    Span<float> output)
    {
        int dh = output.Length, lanes = Vector<float>.Count, c = 0;
        ref float o = ref MemoryMarshal.GetReference(output);
        var scale = new Vector<float>(inverse);
        bool all = mask.IsEmpty;
        for (; c + (8 * lanes) <= dh; c += 8 * lanes)
        {
            Vector<float> a0 = new(-0f), a1 = new(-0f), a2 = new(-0f), a3 = new(-0f), a4 = new(-0f), a5 = new(-0f), a6 = new(-0f), a7 = new(-0f);
            ref float vc = ref Unsafe.Add(ref v, c);
            for (int j = 0; j < lkv; j++)
            {
                if (all || mask[j])
                {
                    var w = new Vector<float>(Unsafe.Add(ref p, j * stride));
                    ref float row = ref Unsafe.Add(ref vc, (nint)j * d);
                    a0 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row), a0);
                    a1 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)lanes), a1);
                    a2 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)(2 * lanes)), a2);
                    a3 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)(3 * lanes)), a3);
                    a4 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)(4 * lanes)), a4);
                    a5 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)(5 * lanes)), a5);
                    a6 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)(6 * lanes)), a6);
                    a7 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)(7 * lanes)), a7);
                }
            }

            ref float oc = ref Unsafe.Add(ref o, c);
            (a0 * scale).StoreUnsafe(ref oc);
            (a1 * scale).StoreUnsafe(ref oc, (nuint)lanes);
            (a2 * scale).StoreUnsafe(ref oc, (nuint)(2 * lanes));
            (a3 * scale).StoreUnsafe(ref oc, (nuint)(3 * lanes));
            (a4 * scale).StoreUnsafe(ref oc, (nuint)(4 * lanes));
            (a5 * scale).StoreUnsafe(ref oc, (nuint)(5 * lanes));
            (a6 * scale).StoreUnsafe(ref oc, (nuint)(6 * lanes));
            (a7 * scale).StoreUnsafe(ref oc, (nuint)(7 * lanes));
        }

        for (; c + (4 * lanes) <= dh; c += 4 * lanes)
        {
            Vector<float> a0 = new(-0f), a1 = new(-0f), a2 = new(-0f), a3 = new(-0f);
            ref float vc = ref Unsafe.Add(ref v, c);
            for (int j = 0; j < lkv; j++)
            {
                if (all || mask[j])
                {
                    var w = new Vector<float>(Unsafe.Add(ref p, j * stride));
                    ref float row = ref Unsafe.Add(ref vc, (nint)j * d);
                    a0 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row), a0);
                    a1 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)lanes), a1);
                    a2 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)(2 * lanes)), a2);
                    a3 = Vector.MultiplyAddEstimate(w, Vector.LoadUnsafe(ref row, (nuint)(3 * lanes)), a3);
                }
            }

            ref float oc = ref Unsafe.Add(ref o, c);
            (a0 * scale).StoreUnsafe(ref oc);
            (a1 * scale).StoreUnsafe(ref oc, (nuint)lanes);
            (a2 * scale).StoreUnsafe(ref oc, (nuint)(2 * lanes));
            (a3 * scale).StoreUnsafe(ref oc, (nuint)(3 * lanes));
        }

        for (; c + lanes <= dh; c += lanes)
        {
            // One vector: even and odd keys in two sums, so two multiply-adds are in flight rather than one.
            Vector<float> a0 = new(-0f), a1 = new(-0f);
            ref float vc = ref Unsafe.Add(ref v, c);
            int j = 0;
            for (; j + 2 <= lkv; j += 2)
            {
                if (all || mask[j])
                {
                    a0 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref p, j * stride)), Vector.LoadUnsafe(ref vc, (nuint)((nint)j * d)), a0);
                }

                if (all || mask[j + 1])
                {
                    a1 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref p, (j + 1) * stride)), Vector.LoadUnsafe(ref vc, (nuint)((nint)(j + 1) * d)), a1);
                }
            }

            if (j < lkv && (all || mask[j]))
            {
                a0 = Vector.MultiplyAddEstimate(new Vector<float>(Unsafe.Add(ref p, j * stride)), Vector.LoadUnsafe(ref vc, (nuint)((nint)j * d)), a0);
            }

            ((a0 + a1) * scale).StoreUnsafe(ref o, (nuint)c);
        }

        for (; c < dh; c++)
        {
            float sum = -0f;
            for (int j = 0; j < lkv; j++)
            {
                if (all || mask[j])
                {
                    sum += Unsafe.Add(ref p, j * stride) * Unsafe.Add(ref v, (j * d) + c);
                }
            }

            Unsafe.Add(ref o, c) = sum * inverse;
        }
    }

    /// <summary>
    /// One query row of one head on the scalar path, over its first <paramref name="lkv"/> keys (fewer than Lkv when
    /// causal). <paramref name="keys"/> and <paramref name="values"/> start at the key/value head's first column of key
    /// row 0 and have row stride KvHeads · dh.
    /// </summary>
    private void AttendRow(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
                           Span<float> output, ReadOnlySpan<bool> mask, int lkv, Span<float> weights, Span<float> scores)
    {
        int d = Shape.KeyValueWidth, dh = Shape.HeadSize;
        scores = scores[..lkv];
        float max = float.NegativeInfinity;
        bool anyAttended = false;
        for (int j = 0; j < lkv; j++)
        {
            if (!mask.IsEmpty && !mask[j])
            {
                scores[j] = float.NegativeInfinity;
                continue;
            }

            float score = Dot(query, keys.Slice(j * d, dh)) * Shape.Scale;
            scores[j] = score;
            anyAttended = true;
            max = float.IsNaN(score) || score > max ? score : max;
        }

        if (!anyAttended)
        {
            output.Clear();
            weights.Clear();
            return;
        }

        float sum = ExpShifted(scores, max);
        float inverse = 1f / sum;

        // −0 is the identity of +, so a single attended key reproduces its value row bit for bit (−0 included).
        output.Fill(-0f);
        for (int j = 0; j < lkv; j++)
        {
            if (mask.IsEmpty || mask[j])
            {
                MultiplyAdd(scores[j], values.Slice(j * d, dh), output);
            }
        }

        Multiply(output, inverse);
        for (int j = 0; j < weights.Length; j++)
        {
            weights[j] = j < lkv && (mask.IsEmpty || mask[j]) ? scores[j] * inverse : 0f;
        }
    }

    /// <summary>scores[j] = e^(scores[j] − max), returning their sum; −∞ scores (masked keys) become 0.</summary>
    private static float ExpShifted(Span<float> scores, float max)
    {
        float sum = 0f;
        for (int j = 0; j < scores.Length; j++)
        {
            float e = float.IsNegativeInfinity(scores[j]) ? 0f : MathF.Exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }

        return sum;
    }

    private static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        float sum = 0f;
        for (int i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>destination += factor · source.</summary>
    private static void MultiplyAdd(float factor, ReadOnlySpan<float> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] += factor * source[i];
        }
    }

    private static void Multiply(Span<float> destination, float factor)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            destination[i] *= factor;
        }
    }
}
