using System;
using System.ComponentModel;
using System.Globalization;

namespace CrossAttention.Kernels;

/// <summary>
/// Argument validation shared by the generic fallback and every generated kernel, so both reject exactly the same
/// calls with exactly the same messages. Called by generated code; not meant to be called directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class AttendArguments
{
    /// <summary>
    /// Checks every span length of an <c>Attend</c> call and returns the batch size <c>B</c> (0 for an all-empty
    /// call). Throws <see cref="ArgumentException"/> naming the offending parameter, with the expected and actual
    /// lengths, before anything is written.
    /// </summary>
    public static int Validate(CrossAttentionShape shape, int q, int k, int v, int output, int keyMask, int attentionWeights)
    {
        int batch = BatchOf(q, shape.QueryLength, "q", $"Lq × D = {shape.Lq} × {shape.D}");
        Exact(k, (long)batch * shape.KeyValueLength, "k", batch, "q", $"Lkv × D = {shape.Lkv} × {shape.D}", shape.KeyValueLength);
        Exact(v, (long)batch * shape.KeyValueLength, "v", batch, "q", $"Lkv × D = {shape.Lkv} × {shape.D}", shape.KeyValueLength);
        Exact(output, (long)batch * shape.QueryLength, "output", batch, "q", $"Lq × D = {shape.Lq} × {shape.D}", shape.QueryLength);
        if (keyMask != 0)
        {
            Exact(keyMask, (long)batch * shape.Lkv, "keyMask", batch, "q", $"Lkv = {shape.Lkv}", shape.Lkv, emptyAllowed: true);
        }

        if (attentionWeights != 0)
        {
            Exact(attentionWeights, (long)batch * shape.WeightsLength, "attentionWeights", batch, "q",
                  $"Heads × Lq × Lkv = {shape.Heads} × {shape.Lq} × {shape.Lkv}", shape.WeightsLength, emptyAllowed: true);
        }

        return batch;
    }

    private static int BatchOf(int actual, int perItem, string name, string perItemText)
    {
        if (actual % perItem != 0)
        {
            throw new ArgumentException(Text(
                $"{name} has {actual} elements; expected a multiple of {perItem} ({perItemText}), one block per batch item."), name);
        }

        return actual / perItem;
    }

    private static void Exact(int actual, long expected, string name, int batch, string batchSource, string perItemText,
                              int perItem, bool emptyAllowed = false)
    {
        if (actual == expected)
        {
            return;
        }

        string allowed = emptyAllowed ? " (or 0 to leave it out)" : "";
        string why = actual % perItem == 0
            ? $"it holds {actual / perItem} batch items but {batchSource} holds {batch}"
            : $"that is not a whole number of {perItem}-element batch items";
        throw new ArgumentException(Text(
            $"{name} has {actual} elements; expected {expected}{allowed}: batch {batch} (from {batchSource}) × {perItemText}. {char.ToUpperInvariant(why[0])}{why[1..]}."), name);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
