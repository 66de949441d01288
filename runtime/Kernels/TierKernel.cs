using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace CrossAttention.Kernels;

/// <summary>
/// One tier of a generated kernel run end to end, for every shape alike: the calls' batch items and heads (split over
/// threads when asked for and worth it), key masks (a batch item with no attended key gets zeros without running the
/// kernel), score buffers (on the stack, or the thread's scratch when large), and the layer around the attention —
/// projections, attention, output projection. The generated struct <typeparamref name="TKernel"/> supplies the
/// attention of one item and the projections; the JIT specializes this code for it, so the shape's sizes are
/// constants here too.
/// </summary>
/// <typeparam name="TKernel">A generated tier.</typeparam>
internal static class TierKernel<TKernel>
    where TKernel : struct, IGeneratedKernel
{
    /// <summary>Score and key-mask buffers up to this many floats live on the stack; larger ones in the thread's scratch.</summary>
    private const int StackBufferLimit = 8192;

    /// <summary>Attention on validated arguments (<paramref name="batch"/> ≥ 1): one batch item without mask or weights
    /// straight to a whole-item kernel (<see cref="AttendOne"/>), whichever call it came from.</summary>
    public static void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                              ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch)
    {
        if (batch == 1 && keyMask.IsEmpty && attentionWeights.IsEmpty && AttendsWholeItems)
        {
            AttendOne(q, k, v, output);
            return;
        }

        CrossAttentionShape shape = TKernel.Shape;
        int items = batch * (shape.Heads / TKernel.HeadsPerItem);
        if (KernelParallel.ShouldSplit(items, batch * shape.AttendFlops))
        {
            KernelParallel.For<AttendWork>(items, q, k, v, output, keyMask, attentionWeights, batch);
        }
        else
        {
            AttendItems(q, k, v, output, keyMask, attentionWeights, 0, items);
        }
    }

    /// <summary>
    /// True when an item is a whole batch item (heads in lanes, key rows) with one key mask for every query row (not
    /// causal) and a score buffer that fits the stack: <see cref="AttendOne"/> takes a call of one batch item.
    /// </summary>
    /// <remarks>Decided once (a static readonly the JIT folds, so a call compiles to the branch it takes).</remarks>
    public static bool AttendsWholeItems { get; } =
        TKernel.HeadsPerItem == TKernel.Shape.Heads && !TKernel.Shape.Causal && TKernel.ScoreBufferLength * TKernel.ScoreRows <= StackBufferLimit;

    /// <summary>The key mask of a call without one (every key attended, padding lanes 0), made once.</summary>
    private static readonly int[] s_everyKey = EveryKey();

    private static int[] EveryKey()
    {
        var keep = new int[TKernel.ScoreBufferLength];
        KeyMasks.Fill(keep, default, TKernel.Shape.Lkv);
        return keep;
    }

    /// <summary>
    /// A causal kernel's row masks for a call without a key mask (row i sees keys j ≤ i + Lkv − Lq), made once where they
    /// fit the bound of a stack buffer; null otherwise (not causal, or filled per call into the thread's scratch).
    /// Measured at causal latent (4 rows over 6 keys) on a Zen 5: filling them took about 15% of a call.
    /// </summary>
    private static readonly int[]? s_causalKeys = CausalKeys();

    private static int[]? CausalKeys()
    {
        CrossAttentionShape shape = TKernel.Shape;
        long length = (long)TKernel.ScoreBufferLength * shape.Lq;
        if (!shape.Causal || length > StackBufferLimit)
        {
            return null;
        }

        var keep = new int[length];
        KeyMasks.FillCausal(keep, default, shape.Lq, shape.Lkv, TKernel.ScoreBufferLength, out _);
        return keep;
    }

    /// <summary>
    /// One batch item without a key mask or weights, on validated lengths, when <see cref="AttendsWholeItems"/>: the
    /// kernel's one item, as <see cref="Run"/> would call it, with no loop, division or mask to fill.
    /// </summary>
    public static void AttendOne(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        if (TKernel.ScoreRows == 0)
        {
            // Scores in registers: no buffer (and no stack frame to allocate or check), the output's reference in its place.
            RunOne(q, k, v, output, ref MemoryMarshal.GetReference(output));
            return;
        }

        AttendOneBuffered(q, k, v, output);
    }

    [SkipLocalsInit]
    private static void AttendOneBuffered(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        Span<float> scores = stackalloc float[TKernel.ScoreBufferLength * TKernel.ScoreRows];
        RunOne(q, k, v, output, ref MemoryMarshal.GetReference(scores));
    }

    /// <summary>The kernel's one item, every key attended, no weights: <paramref name="scores"/> (also the unwritten weights' reference) its score buffer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RunOne(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output, ref float scores) =>
        TKernel.AttendItem<AllKeys>(ref MemoryMarshal.GetReference(q), ref MemoryMarshal.GetReference(k), ref MemoryMarshal.GetReference(v),
                           ref MemoryMarshal.GetReference(output), ref scores, false, ref MemoryMarshal.GetArrayDataReference(s_everyKey), ref scores);

    /// <summary>Items [start, end) of a call on one thread.</summary>
    private readonly struct AttendWork : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end) =>
            AttendItems(spans.A, spans.B, spans.C, spans.D, spans.E, spans.F, start, end);
    }

    [SkipLocalsInit]
    private static void AttendItems(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                                    ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int start, int end)
    {
        // A causal kernel reads one key mask per query row.
        CrossAttentionShape shape = TKernel.Shape;
        int buffer = TKernel.ScoreBufferLength * (shape.Causal ? shape.Lq : 1), scores = TKernel.ScoreBufferLength * TKernel.ScoreRows;
        if (buffer + scores <= StackBufferLimit)
        {
            Run(q, k, v, output, keyMask, attentionWeights, start, end, stackalloc int[buffer], stackalloc float[scores]);
        }
        else
        {
            using Scratch scratch = new Scratch(buffer + scores);
            Run(q, k, v, output, keyMask, attentionWeights, start, end, MemoryMarshal.Cast<float, int>(scratch.Span[..buffer]), scratch.Span[buffer..]);
        }
    }

    /// <summary>Items [start, end): <c>HeadsPerItem</c> consecutive heads of one batch item each (item = batch item ·
    /// Heads / HeadsPerItem + its first head / HeadsPerItem): one head, a pair sharing a key/value head, or with heads
    /// in lanes the whole batch item.</summary>
    private static void Run(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                            ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int start, int end, Span<int> keep, Span<float> scores)
    {
        if (s_unmaskedItems && keyMask.IsEmpty)
        {
            Run<AllKeys>(q, k, v, output, keyMask, attentionWeights, start, end, keep, scores);
        }
        else
        {
            Run<KeptKeys>(q, k, v, output, keyMask, attentionWeights, start, end, keep, scores);
        }
    }

    /// <summary>
    /// True when a call without a key mask runs this kernel's items as <see cref="AllKeys"/>: a kernel whose item is the
    /// whole batch item (heads in lanes, key rows), not causal — the kernels whose code tests
    /// <see cref="IKeySelection.Masked"/>. The others read <c>keep</c> either way, and one instantiation keeps their
    /// larger methods compiled once.
    /// </summary>
    private static readonly bool s_unmaskedItems = TKernel.HeadsPerItem == TKernel.Shape.Heads && !TKernel.Shape.Causal;

    private static void Run<TKeys>(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                                   ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int start, int end, Span<int> keep, Span<float> scores)
        where TKeys : struct, IKeySelection
    {
        CrossAttentionShape shape = TKernel.Shape;
        int heads = shape.Heads / TKernel.HeadsPerItem;
        int columns = TKernel.HeadsPerItem * shape.HeadSize;
        int weightsPerItem = shape.WeightsLength / heads;
        ref float qBase = ref MemoryMarshal.GetReference(q);
        ref float kBase = ref MemoryMarshal.GetReference(k);
        ref float vBase = ref MemoryMarshal.GetReference(v);
        ref float oBase = ref MemoryMarshal.GetReference(output);
        ref float wBase = ref MemoryMarshal.GetReference(attentionWeights);
        bool writeWeights = !attentionWeights.IsEmpty;
        // Without a key mask every batch item has the same masks, made once: no item is masked and no causal row is empty.
        int[]? fixedKeys = keyMask.IsEmpty ? (shape.Causal ? s_causalKeys : s_everyKey) : null;
        ref int keepBase = ref fixedKeys is null ? ref MemoryMarshal.GetReference(keep) : ref MemoryMarshal.GetArrayDataReference(fixedKeys);
        int maskedItem = -1, keptItem = -1, emptyRows = 0;
        for (int item = start; item < end; item++)
        {
            int b = item / heads, h = item - (b * heads);
            // Query head h reads key/value head h / GroupSize; an item's heads share theirs (with heads in lanes, the
            // kernel maps each lane).
            int rows = (b * shape.QueryLength) + (h * columns);
            int keys = (b * shape.KeyValueLength) + (h * TKernel.HeadsPerItem / shape.GroupSize * shape.HeadSize);
            // Only where weights are written: without them the offset is bounded by no span (and checked arithmetic
            // would throw on it).
            int weights = writeWeights ? item * weightsPerItem : 0;
            if (fixedKeys is null && b != keptItem && b != maskedItem)
            {
                ReadOnlySpan<bool> itemMask = keyMask.IsEmpty ? default : keyMask.Slice(b * shape.Lkv, shape.Lkv);
                bool attended = (shape.Causal
                    ? KeyMasks.FillCausal(keep, itemMask, shape.Lq, shape.Lkv, TKernel.ScoreBufferLength, out emptyRows)
                    : KeyMasks.Fill(keep, itemMask, shape.Lkv)) != 0;
                (keptItem, maskedItem) = attended ? (b, maskedItem) : (keptItem, b);
            }

            if (b == maskedItem)
            {
                // Every key of this batch item is masked: the item's output columns and weights are zeros.
                for (int i = 0; i < shape.Lq; i++)
                {
                    output.Slice(rows + (i * shape.D), columns).Clear();
                }

                if (writeWeights)
                {
                    attentionWeights.Slice(weights, weightsPerItem).Clear();
                }

                continue;
            }

            TKernel.AttendItem<TKeys>(
                ref Unsafe.Add(ref qBase, rows), ref Unsafe.Add(ref kBase, keys), ref Unsafe.Add(ref vBase, keys), ref Unsafe.Add(ref oBase, rows),
                ref writeWeights ? ref Unsafe.Add(ref wBase, weights) : ref MemoryMarshal.GetReference(scores), writeWeights,
                ref keepBase, ref MemoryMarshal.GetReference(scores));
            if (emptyRows > 0)
            {
                ClearEmptyRows(output.Slice(rows), writeWeights ? attentionWeights.Slice(weights, weightsPerItem) : default, columns, emptyRows);
            }
        }
    }

    /// <summary>
    /// Causal rows whose visible keys are all masked (the first <paramref name="emptyRows"/>): zeros in the item's output
    /// columns and weights, as for a fully masked item, in place of what the kernel computed without a key.
    /// </summary>
    private static void ClearEmptyRows(Span<float> output, Span<float> weights, int columns, int emptyRows)
    {
        CrossAttentionShape shape = TKernel.Shape;
        for (int i = 0; i < emptyRows; i++)
        {
            output.Slice(i * shape.D, columns).Clear();
        }

        int perHead = shape.Lq * shape.Lkv;
        for (int h = 0; !weights.IsEmpty && h < TKernel.HeadsPerItem; h++)
        {
            weights.Slice(h * perHead, emptyRows * shape.Lkv).Clear();
        }
    }

    /// <summary>
    /// True when <c>Forward</c> on a raw context attends over the context itself (<see cref="ContextForward{TKernel, TWidth, TVector}"/>,
    /// <see cref="ShapeRules.ForwardsOverContext"/>) rather than projecting it into keys and values first. Decided once from
    /// the shape (a static readonly the JIT folds).
    /// </summary>
    private static bool ForwardsOverContext { get; } = TKernel.Shape.ForwardsOverContext;

    /// <summary>The whole layer on validated arguments (<paramref name="batch"/> ≥ 1).</summary>
    public static void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                               ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch)
    {
        if (ForwardsOverContext)
        {
            ForwardOverContext(queries, context, weights, output, keyMask, attentionWeights, batch);
            return;
        }

        CrossAttentionShape shape = TKernel.Shape;
        int queryLength = batch * shape.QueryLength, keyLength = batch * shape.KeyValueLength;
        using Scratch scratch = new Scratch((2 * queryLength) + (2 * keyLength));
        Span<float> keys = scratch.Span.Slice(2 * queryLength, keyLength), values = scratch.Span.Slice((2 * queryLength) + keyLength, keyLength);
        ProjectKeysAndValues(context, weights, keys, values, batch);
        ForwardCore(queries, keys, values, weights, output, keyMask, attentionWeights, batch, scratch.Span[..queryLength], scratch.Span.Slice(queryLength, queryLength));
    }

    /// <summary>
    /// The whole layer, attending over the raw context: Q projection, <see cref="ContextForward{TKernel, TWidth, TVector}"/> at the
    /// tier's width, output projection.
    /// </summary>
    private static void ForwardOverContext(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                                           ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch)
    {
        CrossAttentionShape shape = TKernel.Shape;
        int rows = batch * shape.Lq, queryLength = batch * shape.QueryLength;
        using Scratch scratch = new Scratch(2 * queryLength);
        Span<float> q = scratch.Span[..queryLength], attended = scratch.Span.Slice(queryLength, queryLength);
        TKernel.ProjectQueries(queries, rows, weights.Wq, weights.Bq, q);
        if (TKernel.Tier == KernelPath.Specialized512)
        {
            ContextForward<TKernel, Width512, Vector512<float>>.Attend(q, context, weights, attended, keyMask, attentionWeights, batch);
        }
        else if (TKernel.Tier == KernelPath.Specialized256)
        {
            ContextForward<TKernel, Width256, Vector256<float>>.Attend(q, context, weights, attended, keyMask, attentionWeights, batch);
        }
        else
        {
            ContextForward<TKernel, Width128, Vector128<float>>.Attend(q, context, weights, attended, keyMask, attentionWeights, batch);
        }

        TKernel.ProjectQueries(attended, rows, weights.Wo, weights.Bo, output);
    }

    /// <summary>The whole layer on a projected context, on validated arguments (<paramref name="batch"/> ≥ 1).</summary>
    public static void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                               ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch)
    {
        int queryLength = batch * TKernel.Shape.QueryLength;
        using Scratch scratch = new Scratch(2 * queryLength);
        ForwardCore(queries, context.KeyStorage, context.ValueStorage, weights, output, keyMask, attentionWeights, batch, scratch.Span[..queryLength], scratch.Span[queryLength..]);
    }

    /// <summary>Projects the keys and values of <paramref name="context"/> into <paramref name="into"/>, on validated arguments.</summary>
    public static void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into, int batch) =>
        ProjectKeysAndValues(context, weights, into.KeyStorage, into.ValueStorage, batch);

    private static void ProjectKeysAndValues(ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> keys, Span<float> values, int batch)
    {
        int rows = batch * TKernel.Shape.Lkv;
        TKernel.ProjectKeysAndValues(context, rows, weights.Wk, weights.Bk, keys, weights.Wv, weights.Bv, values);
    }

    /// <summary>Q projection, attention on projected keys and values, output projection (a fully masked row's output is Bo).</summary>
    private static void ForwardCore(ReadOnlySpan<float> queries, ReadOnlySpan<float> keys, ReadOnlySpan<float> values, CrossAttentionWeights weights,
                                    Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch, Span<float> q, Span<float> attended)
    {
        int rows = batch * TKernel.Shape.Lq;
        TKernel.ProjectQueries(queries, rows, weights.Wq, weights.Bq, q);
        Attend(q, keys, values, attended, keyMask, attentionWeights, batch);
        TKernel.ProjectQueries(attended, rows, weights.Wo, weights.Bo, output);
    }
}
