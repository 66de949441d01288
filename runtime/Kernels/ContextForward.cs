using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossAttention.Kernels;

/// <summary>
/// The attention of a <c>Forward</c> call on a raw context without projecting the context into keys and values, for
/// the shapes where that is less work (<see cref="ShapeRules.ForwardsOverContext"/>: many context rows, few queries).
/// Per batch item and head h (key/value head g): the queries, scaled, are folded through <c>Wk_g</c> into the
/// context's own space (<c>Q̃_h = s·Q_h · Wk_g</c>, <see cref="RowMajorProduct{TWidth, TVector}"/>), scores are
/// <c>Q̃_h · Cᵀ + s·Q_h · bk_g</c> (the tier's projection kernel, with the context as its weight), the softmax rows
/// become P, <c>Z_h = P_h · C</c> (the outer-product kernel again, C's rows as they are), and the head's result is
/// <c>Z_h · Wv_gᵀ + bv_g</c> — the same value as <c>softmax(Q_h K_gᵀ·s) V_g</c> (each row of P sums to 1), reached
/// with all the arithmetic in large products over the context's width.
/// </summary>
/// <remarks>
/// A key mask is applied by gathering the batch item's attended context rows first: masked rows are skipped, not
/// weighted by zero, so NaN or ∞ in them never reaches the output (SPEC §6), and the products run over the attended
/// keys only. A batch item with none gets zeros (its <c>Forward</c> rows then equal <c>Bo</c>), as in the projected path.
/// The weights written are P, scattered back over the masked keys as zeros.
/// </remarks>
internal static class ContextForward<TKernel, TWidth, TVector>
    where TKernel : struct, IGeneratedKernel
    where TWidth : struct, IVectorWidth<TVector>
    where TVector : struct
{
    /// <summary>
    /// The attention results of a <c>Forward</c> call into <paramref name="attended"/> (<c>batch · Lq</c> rows of D),
    /// from the call's projected queries <paramref name="q"/> (scaled in place), on validated arguments. A batch of
    /// several items splits over threads by items (each item's products then run on its thread); one item splits
    /// inside its products.
    /// </summary>
    public static void Attend(Span<float> q, ReadOnlySpan<float> context, CrossAttentionWeights weights,
                              Span<float> attended, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch)
    {
        CrossAttentionShape shape = TKernel.Shape;
        Scale(q, shape.Scale);
        long flops = 4L * batch * shape.Lq * ((shape.D * (long)shape.KvDim) + (shape.Heads * (long)shape.Lkv * shape.KvDim));
        if (KernelParallel.ShouldSplit(batch, flops))
        {
            KernelParallel.For<ItemWork>(batch, q, context, default, attended, keyMask, attentionWeights, batch, weights);
        }
        else
        {
            Items(q, context, weights, attended, keyMask, attentionWeights, 0, batch);
        }
    }

    /// <summary>Batch items [start, end) on one thread (<c>spans.State</c>: the weights). The spans are pinned by <see cref="KernelParallel"/>.</summary>
    private readonly struct ItemWork : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end) =>
            Items(spans.A, spans.B, (CrossAttentionWeights)spans.State!, spans.D, spans.E, spans.F, start, end);
    }

    /// <summary>Batch items [start, end).</summary>
    private static void Items(ReadOnlySpan<float> q, ReadOnlySpan<float> context, CrossAttentionWeights weights,
                              Span<float> attended, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int start, int end)
    {
        CrossAttentionShape shape = TKernel.Shape;
        int lq = shape.Lq, lkv = shape.Lkv, d = shape.D, dc = shape.KvDim, rows = shape.Heads * lq;
        int gathered = keyMask.IsEmpty ? 0 : lkv * dc;
        using Scratch scratch = new Scratch((rows * dc) + (rows * lkv) + rows + lkv + (lq * shape.HeadSize) + gathered);
        Span<float> buffer = scratch.Span;
        Span<float> folded = Take(ref buffer, rows * dc), scores = Take(ref buffer, rows * lkv), bias = Take(ref buffer, rows);
        Span<float> zeros = Take(ref buffer, lkv), head = Take(ref buffer, lq * shape.HeadSize), kept = Take(ref buffer, gathered);
        zeros.Clear();
        for (int b = start; b < end; b++)
        {
            scoped ReadOnlySpan<float> item = context.Slice(b * lkv * dc, lkv * dc);
            Span<float> output = attended.Slice(b * lq * d, lq * d);
            Span<float> itemWeights = attentionWeights.IsEmpty ? default : attentionWeights.Slice(b * rows * lkv, rows * lkv);
            ReadOnlySpan<bool> mask = keyMask.IsEmpty ? default : keyMask.Slice(b * lkv, lkv);
            int keys = mask.IsEmpty ? lkv : Gather(item, mask, dc, kept);
            if (keys == 0)
            {
                output.Clear();
                itemWeights.Clear();
                continue;
            }

            if (keys < lkv)
            {
                item = kept[..(keys * dc)];
            }

            Span<float> probabilities = scores[..(rows * keys)];
            Item(q.Slice(b * lq * d, lq * d), item, keys, weights, output, folded, probabilities, bias, zeros[..keys], head);
            if (!itemWeights.IsEmpty)
            {
                WriteWeights(probabilities, keys, keys < lkv ? mask : default, itemWeights, rows, lkv);
            }
        }
    }

    private static Span<float> Take(ref Span<float> buffer, int length)
    {
        Span<float> taken = buffer[..length];
        buffer = buffer[length..];
        return taken;
    }

    /// <summary>One batch item: <paramref name="context"/> holds its <paramref name="keys"/> attended rows.</summary>
    private static void Item(ReadOnlySpan<float> q, ReadOnlySpan<float> context, int keys, CrossAttentionWeights weights,
                             Span<float> output, Span<float> folded, Span<float> scores, Span<float> bias, Span<float> zeros, Span<float> head)
    {
        CrossAttentionShape shape = TKernel.Shape;
        int lq = shape.Lq, d = shape.D, dh = shape.HeadSize, dc = shape.KvDim, heads = shape.Heads, rows = heads * lq;
        ref float wk = ref MemoryMarshal.GetReference(weights.Wk);
        ref float bk = ref MemoryMarshal.GetReference(weights.Bk);
        for (int h = 0; h < heads; h++)
        {
            int g = h / shape.GroupSize;
            ref float qh = ref Unsafe.Add(ref MemoryMarshal.GetReference(q), h * dh);
            RowMajorProduct<TWidth, TVector>.Multiply(ref qh, d, ref Unsafe.Add(ref wk, (nint)g * dh * dc), dc,
                                                      ref MemoryMarshal.GetReference(folded.Slice(h * lq * dc)), dc, lq, dh, 0, dc);
            for (int i = 0; i < lq; i++)
            {
                bias[(h * lq) + i] = Dot(ref Unsafe.Add(ref qh, i * d), ref Unsafe.Add(ref bk, g * dh), dh);
            }
        }

        TWidth.Project(folded, rows, context, zeros, scores);
        for (int r = 0; r < rows; r++)
        {
            Softmax(scores.Slice(r * keys, keys), bias[r]);
        }

        RowMajorProduct<TWidth, TVector>.Multiply(scores, context, folded, rows);
        for (int h = 0; h < heads; h++)
        {
            int g = h / shape.GroupSize;
            TWidth.Project(folded.Slice(h * lq * dc, lq * dc), lq, weights.Wv.Slice(g * dh * dc, dh * dc), weights.Bv.Slice(g * dh, dh), head);
            for (int i = 0; i < lq; i++)
            {
                head.Slice(i * dh, dh).CopyTo(output.Slice((i * d) + (h * dh)));
            }
        }
    }

    /// <summary>Copies the attended rows of <paramref name="context"/> into <paramref name="kept"/>; returns how many.</summary>
    private static int Gather(ReadOnlySpan<float> context, ReadOnlySpan<bool> mask, int width, Span<float> kept)
    {
        int count = 0;
        for (int j = 0; j < mask.Length; j++)
        {
            if (mask[j])
            {
                context.Slice(j * width, width).CopyTo(kept.Slice(count * width));
                count++;
            }
        }

        return count;
    }

    /// <summary>P's rows (<paramref name="keys"/> wide) into the weights (<paramref name="lkv"/> wide), 0 for the masked keys.</summary>
    private static void WriteWeights(ReadOnlySpan<float> p, int keys, ReadOnlySpan<bool> mask, Span<float> weights, int rows, int lkv)
    {
        if (mask.IsEmpty)
        {
            p.CopyTo(weights);
            return;
        }

        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = p.Slice(r * keys, keys);
            Span<float> into = weights.Slice(r * lkv, lkv);
            for (int j = 0, k = 0; j < lkv; j++)
            {
                into[j] = mask[j] ? row[k++] : 0f;
            }
        }
    }

    private static void Scale(Span<float> x, float scale)
    {
        int lanes = TWidth.Lanes, i = 0;
        ref float start = ref MemoryMarshal.GetReference(x);
        TVector factor = TWidth.Create(scale);
        for (; i + lanes <= x.Length; i += lanes)
        {
            TWidth.Store(TWidth.Multiply(TWidth.Load(ref start, i), factor), ref start, i);
        }

        for (; i < x.Length; i++)
        {
            x[i] *= scale;
        }
    }

    private static float Dot(ref float a, ref float b, int length)
    {
        int lanes = TWidth.Lanes, i = 0;
        TVector sum = TWidth.Zero;
        for (; i + lanes <= length; i += lanes)
        {
            sum = TWidth.MultiplyAdd(TWidth.Load(ref a, i), TWidth.Load(ref b, i), sum);
        }

        float total = TWidth.HorizontalSum(sum);
        for (; i < length; i++)
        {
            total = MathF.FusedMultiplyAdd(Unsafe.Add(ref a, i), Unsafe.Add(ref b, i), total);
        }

        return total;
    }

    /// <summary>One row of scores (<paramref name="bias"/> added to each) into its softmax, the row's maximum subtracted before <c>exp</c>.</summary>
    private static void Softmax(Span<float> row, float bias)
    {
        int lanes = TWidth.Lanes, n = row.Length, j = 0;
        ref float s = ref MemoryMarshal.GetReference(row);
        TVector shift = TWidth.Create(bias), largest = TWidth.Create(float.NegativeInfinity);
        for (; j + lanes <= n; j += lanes)
        {
            TVector x = TWidth.Add(TWidth.Load(ref s, j), shift);
            TWidth.Store(x, ref s, j);
            largest = TWidth.Max(largest, x);
        }

        float max = TWidth.HorizontalMax(largest);
        for (; j < n; j++)
        {
            row[j] += bias;
            max = MathF.Max(max, row[j]);
        }

        TVector offset = TWidth.Create(max), sum = TWidth.Zero;
        for (j = 0; j + lanes <= n; j += lanes)
        {
            TVector e = TWidth.Exp(TWidth.Subtract(TWidth.Load(ref s, j), offset));
            TWidth.Store(e, ref s, j);
            sum = TWidth.Add(sum, e);
        }

        float total = TWidth.HorizontalSum(sum);
        for (; j < n; j++)
        {
            row[j] = MathF.Exp(row[j] - max);
            total += row[j];
        }

        TVector inverse = TWidth.Create(1f / total);
        for (j = 0; j + lanes <= n; j += lanes)
        {
            TWidth.Store(TWidth.Multiply(TWidth.Load(ref s, j), inverse), ref s, j);
        }

        for (; j < n; j++)
        {
            row[j] *= 1f / total;
        }
    }
}
