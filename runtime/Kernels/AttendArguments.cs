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
        // Only lengths are compared on the way through; messages are built only when a check fails, so a valid call
        // allocates nothing.
        if (q % shape.QueryLength != 0)
        {
            throw new ArgumentException(Text(
                $"q has {q} elements; expected a multiple of {shape.QueryLength} (Lq × D = {shape.Lq} × {shape.D}), one block per batch item."), nameof(q));
        }

        int batch = q / shape.QueryLength;
        Check(k, batch, shape.KeyValueLength, nameof(k), shape, optional: false);
        Check(v, batch, shape.KeyValueLength, nameof(v), shape, optional: false);
        Check(output, batch, shape.QueryLength, nameof(output), shape, optional: false);
        Check(keyMask, batch, shape.Lkv, nameof(keyMask), shape, optional: true);
        Check(attentionWeights, batch, shape.WeightsLength, nameof(attentionWeights), shape, optional: true);
        return batch;
    }

    private static void Check(int actual, int batch, int perItem, string name, CrossAttentionShape shape, bool optional)
    {
        if (actual != (long)batch * perItem && !(optional && actual == 0))
        {
            throw Mismatch(actual, batch, perItem, name, shape, optional);
        }
    }

    private static ArgumentException Mismatch(int actual, int batch, int perItem, string name, CrossAttentionShape shape, bool optional)
    {
        string perItemText = name switch
        {
            "output" => $"Lq × D = {shape.Lq} × {shape.D}",
            "keyMask" => $"Lkv = {shape.Lkv}",
            "attentionWeights" => $"Heads × Lq × Lkv = {shape.Heads} × {shape.Lq} × {shape.Lkv}",
            _ => $"Lkv × D = {shape.Lkv} × {shape.D}",
        };
        string allowed = optional ? " (or 0 to leave it out)" : "";
        string why = actual % perItem == 0
            ? $"It holds {actual / perItem} batch items but q holds {batch}"
            : $"That is not a whole number of {perItem}-element batch items";
        return new ArgumentException(Text(
            $"{name} has {actual} elements; expected {(long)batch * perItem}{allowed}: batch {batch} (from q) × {perItemText}. {why}."), name);
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
