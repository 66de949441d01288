using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
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

    /// <summary>y = x·Wᵀ + b with D outputs, its rows split over threads when asked for and worth it.</summary>
    private void Project(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y, int inputs)
    {
        int rows = x.Length / inputs;
        if (KernelParallel.ShouldSplit(rows, 2L * rows * inputs * Shape.D))
        {
            KernelParallel.For<ProjectionWork>(rows, x, weight, bias, y, default, default, inputs, this);
        }
        else
        {
            PortableLinear.Apply(x, weight, bias, y, inputs, Shape.D, _vector);
        }
    }

    /// <summary>Rows [start, end) of a projection (<c>spans.Count</c> = its input size).</summary>
    private readonly struct ProjectionWork : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end)
        {
            var kernel = (GenericCrossAttention)spans.State!;
            int inputs = spans.Count, outputs = kernel.Shape.D;
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
        using var scratch = new Scratch(s.Lkv <= StackScoreLimit ? 0 : s.Lkv);
        Span<float> scores = s.Lkv <= StackScoreLimit ? stackalloc float[StackScoreLimit].Slice(0, s.Lkv) : scratch.Span;
        {
            for (int item = start; item < end; item++)
            {
                int b = item / s.Heads, h = item % s.Heads;
                ReadOnlySpan<bool> mask = keyMask.IsEmpty ? default : keyMask.Slice(b * s.Lkv, s.Lkv);
                ReadOnlySpan<float> kItem = k.Slice(b * s.KeyValueLength, s.KeyValueLength);
                ReadOnlySpan<float> vItem = v.Slice(b * s.KeyValueLength, s.KeyValueLength);
                for (int i = 0; i < s.Lq; i++)
                {
                    int row = (b * s.Lq + i) * s.D + h * s.HeadSize;
                    Span<float> weights = attentionWeights.IsEmpty
                        ? default
                        : attentionWeights.Slice(((item * s.Lq) + i) * s.Lkv, s.Lkv);
                    AttendRow(q.Slice(row, s.HeadSize), kItem[(h * s.HeadSize)..], vItem[(h * s.HeadSize)..],
                              output.Slice(row, s.HeadSize), mask, weights, scores);
                }
            }
        }
    }

    /// <summary>
    /// One query row of one head. <paramref name="keys"/> and <paramref name="values"/> start at this head's first
    /// column of key row 0 and have row stride D.
    /// </summary>
    private void AttendRow(ReadOnlySpan<float> query, ReadOnlySpan<float> keys, ReadOnlySpan<float> values,
                           Span<float> output, ReadOnlySpan<bool> mask, Span<float> weights, Span<float> scores)
    {
        int d = Shape.D, dh = Shape.HeadSize, lkv = Shape.Lkv;
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
            weights[j] = mask.IsEmpty || mask[j] ? scores[j] * inverse : 0f;
        }
    }

    /// <summary>scores[j] = e^(scores[j] − max), returning their sum; −∞ scores (masked keys) become 0.</summary>
    private float ExpShifted(Span<float> scores, float max)
    {
        int j = 0;
        float sum = 0f;
        if (_vector && scores.Length >= Vector<float>.Count)
        {
            ref float start = ref MemoryMarshal.GetReference(scores);
            var shift = new Vector<float>(max);
            Vector<float> total = Vector<float>.Zero;
            for (; j <= scores.Length - Vector<float>.Count; j += Vector<float>.Count)
            {
                Vector<float> e = PortableMath.Exp(Vector.LoadUnsafe(ref start, (nuint)j) - shift);
                e.StoreUnsafe(ref start, (nuint)j);
                total += e;
            }

            sum = Vector.Sum(total);
        }

        for (; j < scores.Length; j++)
        {
            float e = float.IsNegativeInfinity(scores[j]) ? 0f : MathF.Exp(scores[j] - max);
            scores[j] = e;
            sum += e;
        }

        return sum;
    }

    private float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        int i = 0;
        float sum = 0f;
        if (_vector && a.Length >= Vector<float>.Count)
        {
            Vector<float> acc = Vector<float>.Zero;
            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                acc += new Vector<float>(a[i..]) * new Vector<float>(b[i..]);
            }

            sum = Vector.Sum(acc);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }

    /// <summary>destination += factor · source.</summary>
    private void MultiplyAdd(float factor, ReadOnlySpan<float> source, Span<float> destination)
    {
        int i = 0;
        if (_vector)
        {
            var f = new Vector<float>(factor);
            for (; i <= source.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(destination[i..]) + f * new Vector<float>(source[i..])).CopyTo(destination[i..]);
            }
        }

        for (; i < source.Length; i++)
        {
            destination[i] += factor * source[i];
        }
    }

    private void Multiply(Span<float> destination, float factor)
    {
        int i = 0;
        if (_vector)
        {
            var f = new Vector<float>(factor);
            for (; i <= destination.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                (new Vector<float>(destination[i..]) * f).CopyTo(destination[i..]);
            }
        }

        for (; i < destination.Length; i++)
        {
            destination[i] *= factor;
        }
    }
}
