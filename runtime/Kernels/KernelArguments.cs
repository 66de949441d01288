using System;
using System.ComponentModel;
using System.Globalization;

namespace CrossAttention.Kernels;

/// <summary>
/// Argument validation shared by the generic fallback and every generated kernel, so both reject exactly the same
/// calls with exactly the same messages: <see cref="ArgumentException"/> naming the offending parameter, with the
/// expected and actual lengths, before anything is written. Each method returns the batch size B (0 for an all-empty
/// call). Called by generated code; not meant to be called directly.
/// </summary>
/// <remarks>Lengths are compared on the way through and messages built only on failure: a valid call allocates nothing.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KernelArguments
{
    /// <summary>Checks an <c>Attend</c> call.</summary>
    public static int Attend(CrossAttentionShape shape, int q, int k, int v, int output, int keyMask, int attentionWeights)
    {
        int batch = BatchOf(q, shape.QueryLength, nameof(q), shape);
        Check(k, batch, shape.KeyValueLength, nameof(k), nameof(q), shape);
        Check(v, batch, shape.KeyValueLength, nameof(v), nameof(q), shape);
        Check(output, batch, shape.QueryLength, nameof(output), nameof(q), shape);
        CheckOptional(keyMask, attentionWeights, batch, nameof(q), shape);
        return batch;
    }

    /// <summary>Checks a <c>Forward</c> call on a raw context.</summary>
    public static int Forward(CrossAttentionShape shape, int queries, int context, CrossAttentionWeights? weights,
                              int output, int keyMask, int attentionWeights)
    {
        int batch = BatchOf(queries, shape.QueryLength, nameof(queries), shape);
        Check(context, batch, shape.Lkv * shape.KvDim, nameof(context), nameof(queries), shape);
        CheckWeights(weights, shape);
        Check(output, batch, shape.QueryLength, nameof(output), nameof(queries), shape);
        CheckOptional(keyMask, attentionWeights, batch, nameof(queries), shape);
        return batch;
    }

    /// <summary>Checks a <c>Forward</c> call on a <see cref="ProjectedContext"/>.</summary>
    public static int Forward(CrossAttentionShape shape, int queries, ProjectedContext? context, CrossAttentionWeights? weights,
                              int output, int keyMask, int attentionWeights)
    {
        int batch = BatchOf(queries, shape.QueryLength, nameof(queries), shape);
        CheckProjected(context, batch, nameof(context), nameof(queries), shape);
        CheckWeights(weights, shape);
        Check(output, batch, shape.QueryLength, nameof(output), nameof(queries), shape);
        CheckOptional(keyMask, attentionWeights, batch, nameof(queries), shape);
        return batch;
    }

    /// <summary>Checks a <c>ProjectContext</c> call that makes a new projected context.</summary>
    public static int ProjectContext(CrossAttentionShape shape, int context, CrossAttentionWeights? weights)
    {
        int batch = BatchOf(context, shape.Lkv * shape.KvDim, nameof(context), shape);
        CheckWeights(weights, shape);
        return batch;
    }

    /// <summary>Checks a <c>ProjectContext</c> call that refills <paramref name="into"/>.</summary>
    public static int ProjectContext(CrossAttentionShape shape, int context, CrossAttentionWeights? weights, ProjectedContext? into)
    {
        int batch = ProjectContext(shape, context, weights);
        CheckProjected(into, batch, nameof(into), nameof(context), shape);
        return batch;
    }

    private static int BatchOf(int actual, int perItem, string name, CrossAttentionShape shape)
    {
        if (actual % perItem != 0)
        {
            throw new ArgumentException(Text(
                $"{name} has {actual} elements; expected a multiple of {perItem} ({PerItem(name, shape)}), one block per batch item."), name);
        }

        return actual / perItem;
    }

    private static void Check(int actual, int batch, int perItem, string name, string batchSource, CrossAttentionShape shape)
    {
        if (actual != (long)batch * perItem)
        {
            throw Mismatch(actual, batch, perItem, name, batchSource, shape, optional: false);
        }
    }

    private static void CheckOptional(int keyMask, int attentionWeights, int batch, string batchSource, CrossAttentionShape shape)
    {
        if (keyMask != 0 && keyMask != (long)batch * shape.Lkv)
        {
            throw Mismatch(keyMask, batch, shape.Lkv, nameof(keyMask), batchSource, shape, optional: true);
        }

        if (attentionWeights != 0 && attentionWeights != (long)batch * shape.WeightsLength)
        {
            throw Mismatch(attentionWeights, batch, shape.WeightsLength, nameof(attentionWeights), batchSource, shape, optional: true);
        }
    }

    private static void CheckWeights(CrossAttentionWeights? weights, CrossAttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(weights);
        if (!weights.Fits(shape))
        {
            throw new ArgumentException(Text(
                $"weights were made for Wq [{weights.D}, {weights.D}], Wk [{weights.KeyValueWidth}, {weights.KvDim}] (D = {weights.D}, KvDim = {weights.KvDim}); this kernel needs Wq [{shape.D}, {shape.D}], Wk [{shape.KeyValueWidth}, {shape.KvDim}] (D = {shape.D}, KvDim = {shape.KvDim}{(shape.KvHeads != shape.Heads ? $", KvHeads = {shape.KvHeads}" : "")})."), nameof(weights));
        }
    }

    private static void CheckProjected(ProjectedContext? context, int batch, string name, string batchSource, CrossAttentionShape shape)
    {
        if (context is null)
        {
            throw new ArgumentNullException(name);
        }

        if (context.Shape != shape)
        {
            throw new ArgumentException(Text($"{name} was projected for the shape {context.Shape}; this kernel's shape is {shape}."), name);
        }

        if (context.Batch != batch)
        {
            throw new ArgumentException(Text(
                $"{name} holds {BatchItems(context.Batch)}; expected {batch} (from {batchSource})."), name);
        }
    }

    private static ArgumentException Mismatch(int actual, int batch, int perItem, string name, string batchSource,
                                              CrossAttentionShape shape, bool optional)
    {
        string allowed = optional ? " (or 0 to leave it out)" : "";
        string why = actual % perItem == 0
            ? $"It holds {BatchItems(actual / perItem)} but {batchSource} holds {batch}"
            : $"That is not a whole number of {perItem}-element batch items";
        return new ArgumentException(Text(
            $"{name} has {actual} elements; expected {(long)batch * perItem}{allowed}: batch {batch} (from {batchSource}) × {PerItem(name, shape)}. {why}."), name);
    }

    /// <summary>"1 batch item", "3 batch items".</summary>
    private static string BatchItems(int count) => Text($"{count} batch item{(count == 1 ? "" : "s")}");

    /// <summary>What one batch item of the named span holds, in words.</summary>
    private static string PerItem(string name, CrossAttentionShape shape) => name switch
    {
        "q" or "queries" or "output" => Text($"Lq × D = {shape.Lq} × {shape.D}"),
        "k" or "v" => shape.KvHeads == shape.Heads
            ? Text($"Lkv × D = {shape.Lkv} × {shape.D}")
            : Text($"Lkv × KvHeads · dh = {shape.Lkv} × {shape.KvHeads} · {shape.HeadSize}"),
        "context" => Text($"Lkv × KvDim = {shape.Lkv} × {shape.KvDim}"),
        "keyMask" => Text($"Lkv = {shape.Lkv}"),
        _ => Text($"Heads × Lq × Lkv = {shape.Heads} × {shape.Lq} × {shape.Lkv}"),
    };

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
