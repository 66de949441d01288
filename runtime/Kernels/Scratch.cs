using System;
using System.Buffers;
using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// Working memory for one call, rented from the shared pool and returned on dispose: after the first calls have warmed
/// the pool, a call allocates nothing. Called by generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct Scratch
{
    private readonly float[] _array;

    /// <summary>Rents at least <paramref name="length"/> floats; <see cref="Span"/> is exactly that long.</summary>
    public Scratch(int length)
    {
        _array = ArrayPool<float>.Shared.Rent(length);
        Span = _array.AsSpan(0, length);
    }

    /// <summary>The rented memory (not cleared).</summary>
    public Span<float> Span { get; }

    /// <summary>Returns the memory to the pool.</summary>
    public void Dispose() => ArrayPool<float>.Shared.Return(_array);
}
