using System;
using System.ComponentModel;
using System.Runtime.InteropServices;

namespace CrossAttention.Kernels;

/// <summary>The key mask as generated kernels read it, whatever their vector width. Called by generated code only.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class KeyMasks
{
    /// <summary>
    /// Expands one batch item's key mask into <paramref name="keep"/>: −1 (all bits set, a select mask) for keys that
    /// are attended, 0 for masked keys and for the padding lanes past <c>Lkv</c>. An empty mask attends every key.
    /// Returns the number of attended keys: a batch item with none gets zeros without running the kernel.
    /// </summary>
    public static int Fill(Span<int> keep, ReadOnlySpan<bool> keyMask, int lkv)
    {
        int attended = lkv;
        if (keyMask.IsEmpty)
        {
            keep[..lkv].Fill(-1);
        }
        else
        {
            attended = 0;
            ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(keyMask);
            for (int j = 0; j < lkv; j++)
            {
                int on = bytes[j] != 0 ? 1 : 0;
                keep[j] = -on;
                attended += on;
            }
        }

        keep[lkv..].Clear();
        return attended;
    }

    /// <summary>
    /// A causal kernel's masks: row i of <paramref name="keep"/> (<paramref name="stride"/> ints a row, at least Lkv)
    /// is the key mask AND the keys row i sees, j ≤ i + (Lkv − Lq). Returns the number of attended keys of the last row
    /// (it sees every key); <paramref name="emptyRows"/> is the number of leading rows left with none (their visible keys
    /// all masked), which get zeros without their kernel results being used.
    /// </summary>
    internal static int FillCausal(Span<int> keep, ReadOnlySpan<bool> keyMask, int lq, int lkv, int stride, out int emptyRows)
    {
        int attended = Fill(keep[..stride], keyMask, lkv);
        int firstAttended = attended == 0 ? lkv : keep[..lkv].IndexOf(-1);
        emptyRows = Math.Clamp(firstAttended - (lkv - lq), 0, lq);
        for (int i = lq - 1; i >= 0; i--)
        {
            Span<int> row = keep.Slice(i * stride, stride);
            if (i > 0)
            {
                keep[..stride].CopyTo(row);
            }

            row[ShapeRules.VisibleKeys(i, lq, lkv, causal: true)..].Clear();
        }

        return attended;
    }
}
