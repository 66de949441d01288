using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossAttention.Kernels;

/// <summary>
/// Floats whose first element sits on a 64-byte boundary (a cache line, and one <c>Vector512</c>): an array on the
/// pinned object heap, which never moves, and the offset of its first aligned element. Weights, projected contexts and
/// per-thread scratch live in these, so a vector load at a multiple of 16 floats never straddles two cache lines:
/// measured on a Zen 5 (CPU family 26) with latent's four projections (64 → 64, 2–4 rows, 512-bit loads), 834–837 ns
/// on aligned weights against 881–910 ns 16 or 32 bytes off; at 256 bits 1,052 against 1,242 ns 16 bytes off. A
/// managed <c>float[]</c> starts wherever the allocator put it, so which of those a run got was chance.
/// </summary>
internal readonly struct AlignedFloats
{
    /// <summary>Alignment in floats (64 bytes).</summary>
    public const int AlignmentFloats = 16;

    private readonly float[] _array;
    private readonly int _offset;

    /// <summary><paramref name="length"/> zeroed floats, the first one 64-byte aligned.</summary>
    /// <exception cref="OutOfMemoryException">More floats than an array holds.</exception>
    public AlignedFloats(long length)
    {
        if (length > Array.MaxLength - AlignmentFloats)
        {
            throw new OutOfMemoryException($"{length:N0} floats do not fit one array.");
        }

        Length = (int)length;
        _array = GC.AllocateArray<float>(Length + AlignmentFloats - 1, pinned: true);
        _offset = OffsetToAlignment(ref MemoryMarshal.GetArrayDataReference(_array));
    }

    /// <summary>The floats.</summary>
    public int Length { get; }

    /// <summary>False for a default instance, which holds no memory (a made one may hold 0 floats).</summary>
    public bool IsAllocated => _array is not null;

    /// <summary>The aligned floats (empty for a default instance).</summary>
    public Span<float> Span => _array is null ? default : _array.AsSpan(_offset, Length);

    /// <summary>The same floats as <see cref="Span"/>, to keep in a collection.</summary>
    public Memory<float> Memory => _array is null ? default : _array.AsMemory(_offset, Length);

    /// <summary>Elements from <paramref name="first"/> to the next 64-byte boundary (0 to 15; floats are 4-byte aligned).</summary>
    internal static unsafe int OffsetToAlignment(ref float first) =>
        (int)((64 - ((nuint)Unsafe.AsPointer(ref first) % 64)) % 64 / sizeof(float));
}
