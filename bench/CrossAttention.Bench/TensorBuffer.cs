using System;
using System.Runtime.InteropServices;

namespace CrossAttention.Bench;

/// <summary>
/// A tensor's floats starting on a 64-byte boundary (a cache line), as ONNX Runtime and PyTorch allocate tensors, in
/// an array on the pinned object heap, so it never moves. Every contender reads and writes the same memory, and no
/// result depends on where the GC happened to place an array: a 512-bit load off a line boundary touches two lines
/// (decode <c>Attend</c>, Zen 5: 884 ns on aligned K/V, 1,016 ns on K/V 16 bytes off).
/// </summary>
internal sealed class TensorBuffer
{
    private const int Alignment = 64;
    private readonly float[] _array;
    private readonly int _offset;

    public TensorBuffer(int length)
    {
        _array = GC.AllocateArray<float>(length + (Alignment / sizeof(float)) - 1, pinned: true);
        long address = Marshal.UnsafeAddrOfPinnedArrayElement(_array, 0).ToInt64();
        _offset = (int)((Alignment - (address % Alignment)) % Alignment) / sizeof(float);
        Length = length;
    }

    /// <summary>A buffer holding a copy of <paramref name="values"/>.</summary>
    public TensorBuffer(ReadOnlySpan<float> values)
        : this(values.Length) => values.CopyTo(Span);

    /// <summary>A buffer of <paramref name="length"/> floats drawn uniformly from [-1, 1) by <paramref name="random"/>.</summary>
    public static TensorBuffer Random(Random random, int length)
    {
        var buffer = new TensorBuffer(length);
        Span<float> values = buffer.Span;
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return buffer;
    }

    public int Length { get; }

    public Span<float> Span => _array.AsSpan(_offset, Length);

    /// <summary>The same floats, for ONNX Runtime to read or write in place.</summary>
    public Memory<float> Memory => _array.AsMemory(_offset, Length);

    public static implicit operator Span<float>(TensorBuffer buffer) => buffer.Span;

    public static implicit operator ReadOnlySpan<float>(TensorBuffer buffer) => buffer.Span;
}
