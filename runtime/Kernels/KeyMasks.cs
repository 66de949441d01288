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
}
