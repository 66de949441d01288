using System;
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

        // The vector path scores a block of query rows at once, so that rows of a few keys still fill vectors in the
        // exponential; the scalar path goes row by row.
        int blockRows = _vector ? Math.Clamp(ScoreBlockLength / s.Lkv, 1, s.Lq) : 1;
        int length = blockRows * s.Lkv;
        using var scratch = new Scratch(length <= StackScoreLimit ? 0 : length);
        Span<float> scores = length <= StackScoreLimit ? stackalloc float[StackScoreLimit].Slice(0, length) : scratch.Span;
        for (int item = start; item < end; item++)
        {
            // Query head h reads key/value head h / GroupSize (grouped-query attention; the same head without it).
            int b = item / s.Heads, h = item % s.Heads, kvColumn = h / s.GroupSize * s.HeadSize;
            ReadOnlySpan<bool> mask = keyMask.IsEmpty ? default : keyMask.Slice(b * s.Lkv, s.Lkv);
            ReadOnlySpan<float> kItem = k.Slice(b * s.KeyValueLength, s.KeyValueLength)[kvColumn..];
            ReadOnlySpan<float> vItem = v.Slice(b * s.KeyValueLength, s.KeyValueLength)[kvColumn..];
            if (_vector)
            {
                AttendItemVector(q, kItem, vItem, output, mask,
                                 attentionWeights.IsEmpty ? default : attentionWeights.Slice(item * s.Lq * s.Lkv, s.Lq * s.Lkv),
                                 b, h, blockRows, scores);
                continue;
            }

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
    /// One head of one batch item on the vector path, <paramref name="blockRows"/> query rows at a time: scores four
    /// keys per pass over the query row, a max-subtracted exponential over the whole block's scores, then each
    /// output vector summed over the keys in registers. <paramref name="keys"/> and <paramref name="values"/> start at
    /// the key/value head's first column of key row 0 (row stride KvHeads · dh); <paramref name="weights"/> is the item's
    /// [Lq, Lkv] block or empty. A causal row scores only the keys it sees.
    /// </summary>
    private void AttendItemVector(ReadOnlySpan<float> q, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, Span<float> output,
                                  ReadOnlySpan<bool> mask, Span<float> weights, int b, int h, int blockRows, Span<float> scores)
    {
        CrossAttentionShape s = Shape;
        int d = s.D, dh = s.HeadSize, lkv = s.Lkv, kvStride = s.KeyValueWidth;
        if (!mask.IsEmpty && !mask.Contains(true))
        {
            // Every key masked: the head's output columns and weights are zeros.
            for (int i = 0; i < s.Lq; i++)
            {
                output.Slice((b * s.Lq + i) * d + h * dh, dh).Clear();
            }

            weights.Clear();
            return;
        }

        ref float k = ref MemoryMarshal.GetReference(keys);
        ref float v = ref MemoryMarshal.GetReference(values);
        for (int first = 0; first < s.Lq; first += blockRows)
        {
            int rows = Math.Min(blockRows, s.Lq - first);
            Span<float> block = scores[..(rows * lkv)];
            ref float rowsStart = ref Unsafe.Add(ref MemoryMarshal.GetReference(q), (b * s.Lq + first) * d + h * dh);
            if (lkv < 4)
            {
                // Too few keys to share a query row between four: four (row, key) pairs at a time instead.
                FewKeyScores(ref rowsStart, d, ref k, kvStride, dh, lkv, s.Scale, block);
            }

            for (int r = 0; r < rows; r++)
            {
                Span<float> row = block.Slice(r * lkv, lkv);
                int visible = ShapeRules.VisibleKeys(first + r, s.Lq, s.Lkv, s.Causal);
                if (lkv >= 4)
                {
                    Scores(ref Unsafe.Add(ref rowsStart, r * d), ref k, kvStride, dh, s.Scale, row[..visible]);
                }

                // Keys the row does not see (causal) or that are masked get −∞: e^(−∞ − max) = 0.
                row[visible..].Fill(float.NegativeInfinity);
                float max = float.NegativeInfinity;
                for (int j = 0; j < visible; j++)
                {
                    if (!mask.IsEmpty && !mask[j])
                    {
                        row[j] = float.NegativeInfinity;
                        continue;
                    }

                    float score = row[j];
                    max = float.IsNaN(score) || score > max ? score : max;
                }

                // A row with no key left (causal rows whose keys are all masked) stays −∞ and sums to 0 below.
                if (max != float.NegativeInfinity)
                {
                    Subtract(row, max);
                }
            }

            Exp(block);
            for (int r = 0; r < rows; r++)
            {
                int visible = ShapeRules.VisibleKeys(first + r, s.Lq, s.Lkv, s.Causal);
                Span<float> p = block.Slice(r * lkv, visible);
                Span<float> o = output.Slice((b * s.Lq + first + r) * d + h * dh, dh);
                Span<float> w = weights.IsEmpty ? default : weights.Slice((first + r) * lkv, lkv);
                float total = Sum(p);
                if (total == 0f)
                {
                    // No attended key: the row's maximum, e^0 = 1, is in every other row's sum.
                    o.Clear();
                    w.Clear();
                    continue;
                }

                float inverse = 1f / total;
                WeightedSum(p, ref v, kvStride, mask, inverse, o);
                for (int j = 0; j < w.Length; j++)
                {
                    w[j] = j < visible && (mask.IsEmpty || mask[j]) ? p[j] * inverse : 0f;
                }
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

    /// <summary>
    /// block[r · lkv + j] = scale · (query row r · key j) for fewer than four keys: four (row, key) pairs per pass, so
    /// four sums are in flight however few the keys.
    /// </summary>
    private static void FewKeyScores(ref float q, int d, ref float k, int kvStride, int dh, int lkv, float scale, Span<float> block)
    {
        ref float s = ref MemoryMarshal.GetReference(block);
        int t = 0, r = 0, j = 0; // pair t is (query row r, key j): stepped, not divided (a division costs more than a pair here)
        for (; t + 4 <= block.Length; t += 4)
        {
            int r0 = r, j0 = j;
            Step(ref r, ref j, lkv);
            int r1 = r, j1 = j;
            Step(ref r, ref j, lkv);
            int r2 = r, j2 = j;
            Step(ref r, ref j, lkv);
            int r3 = r, j3 = j;
            Step(ref r, ref j, lkv);
            Dot4(ref Unsafe.Add(ref q, r0 * d), ref Unsafe.Add(ref q, r1 * d), ref Unsafe.Add(ref q, r2 * d), ref Unsafe.Add(ref q, r3 * d),
                 ref Unsafe.Add(ref k, j0 * kvStride), ref Unsafe.Add(ref k, j1 * kvStride),
                 ref Unsafe.Add(ref k, j2 * kvStride), ref Unsafe.Add(ref k, j3 * kvStride),
                 dh, scale, ref Unsafe.Add(ref s, t));
        }

        for (; t < block.Length; t++)
        {
            block[t] = Dot(ref Unsafe.Add(ref q, r * d), ref Unsafe.Add(ref k, j * kvStride), dh) * scale;
            Step(ref r, ref j, lkv);
        }
    }

    /// <summary>The next (row, key) pair of a row-major block.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Step(ref int row, ref int key, int keys)
    {
        if (++key == keys)
        {
            key = 0;
            row++;
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
            a0 += Vector.LoadUnsafe(ref x0, (nuint)c) * Vector.LoadUnsafe(ref k0, (nuint)c);
            a1 += Vector.LoadUnsafe(ref x1, (nuint)c) * Vector.LoadUnsafe(ref k1, (nuint)c);
            a2 += Vector.LoadUnsafe(ref x2, (nuint)c) * Vector.LoadUnsafe(ref k2, (nuint)c);
            a3 += Vector.LoadUnsafe(ref x3, (nuint)c) * Vector.LoadUnsafe(ref k3, (nuint)c);
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
            a += Vector.LoadUnsafe(ref x, (nuint)c) * Vector.LoadUnsafe(ref k, (nuint)c);
        }

        float sum = Vector.Sum(a);
        for (int c = whole; c < dh; c++)
        {
            sum += Unsafe.Add(ref x, c) * Unsafe.Add(ref k, c);
        }

        return sum;
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

    /// <summary>x = e^x over a block of shifted scores (−∞, a masked key, becomes 0).</summary>
    private static void Exp(Span<float> block)
    {
        int j = 0;
        ref float start = ref MemoryMarshal.GetReference(block);
        for (; j <= block.Length - Vector<float>.Count; j += Vector<float>.Count)
        {
            PortableMath.Exp(Vector.LoadUnsafe(ref start, (nuint)j)).StoreUnsafe(ref start, (nuint)j);
        }

        for (; j < block.Length; j++)
        {
            block[j] = MathF.Exp(block[j]);
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
    /// output = inverse · Σ_j p[j] · value row j over the attended keys, one output vector at a time summed in two
    /// registers. Sums start at −0, the identity of +, so a single attended key reproduces its value row bit for bit.
    /// </summary>
    private static void WeightedSum(ReadOnlySpan<float> p, ref float v, int d, ReadOnlySpan<bool> mask, float inverse, Span<float> output)
    {
        int dh = output.Length, lanes = Vector<float>.Count, lkv = p.Length, c = 0;
        ref float o = ref MemoryMarshal.GetReference(output);
        var scale = new Vector<float>(inverse);
        for (; c + lanes <= dh; c += lanes)
        {
            Vector<float> a0 = new(-0f), a1 = new(-0f);
            ref float vc = ref Unsafe.Add(ref v, c);
            int j = 0;
            if (mask.IsEmpty)
            {
                for (; j + 2 <= lkv; j += 2)
                {
                    a0 += new Vector<float>(p[j]) * Vector.LoadUnsafe(ref vc, (nuint)(j * d));
                    a1 += new Vector<float>(p[j + 1]) * Vector.LoadUnsafe(ref vc, (nuint)((j + 1) * d));
                }
            }

            for (; j < lkv; j++)
            {
                if (mask.IsEmpty || mask[j])
                {
                    a0 += new Vector<float>(p[j]) * Vector.LoadUnsafe(ref vc, (nuint)(j * d));
                }
            }

            ((a0 + a1) * scale).StoreUnsafe(ref o, (nuint)c);
        }

        for (; c < dh; c++)
        {
            float sum = -0f;
            for (int j = 0; j < lkv; j++)
            {
                if (mask.IsEmpty || mask[j])
                {
                    sum += p[j] * Unsafe.Add(ref v, (j * d) + c);
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
