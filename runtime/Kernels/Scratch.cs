using System;
using System.Buffers;
using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// Working memory for one call: buffers kept per thread and reused by every call on that thread, so that after a
/// thread's first call of a given size nothing is allocated (a shared pool can still allocate when a thread moves to
/// another core). A call may nest two (the layer's buffers, then the attention's score buffers); beyond that, or past
/// <see cref="MaxKeptLength"/> floats, it rents from the shared pool. Called by generated code; not meant to be used
/// directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct Scratch
{
    /// <summary>The largest buffer a thread keeps between calls (16 MB).</summary>
    public const int MaxKeptLength = 4 << 20;

    private const int Levels = 2;

    [ThreadStatic]
    private static AlignedFloats[]? t_buffers;

    [ThreadStatic]
    private static int t_depth;

    private readonly float[]? _rented;

    /// <summary>At least <paramref name="length"/> floats; <see cref="Span"/> is exactly that long (not cleared).</summary>
    public Scratch(int length)
    {
        if (t_depth >= Levels || length > MaxKeptLength)
        {
            _rented = ArrayPool<float>.Shared.Rent(length);
            Span = _rented.AsSpan(0, length);
            return;
        }

        // 64-byte aligned, as the weights: a row of the call's queries or attended rows read without split loads.
        AlignedFloats[] buffers = t_buffers ??= new AlignedFloats[Levels];
        if (!buffers[t_depth].IsAllocated || buffers[t_depth].Length < length)
        {
            buffers[t_depth] = new AlignedFloats(length);
        }

        Span = buffers[t_depth].Span[..length];
        t_depth++;
    }

    /// <summary>The memory.</summary>
    public Span<float> Span { get; }

    /// <summary>Gives the memory back for the thread's next call.</summary>
    public void Dispose()
    {
        if (_rented is not null)
        {
            ArrayPool<float>.Shared.Return(_rented);
        }
        else
        {
            t_depth--;
        }
    }
}
