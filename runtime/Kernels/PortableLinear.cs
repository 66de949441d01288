using System;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossAttention.Kernels;

/// <summary>
/// <c>y = x·Wᵀ + b</c> (PyTorch <c>nn.Linear</c>) for the generic path: rows of x dotted with rows of
/// W, vectorized with <see cref="Vector{T}"/> over the input size when <c>vector</c> is set, scalar otherwise.
/// </summary>
internal static class PortableLinear
{
    /// <param name="x"><c>[rows, inputs]</c>.</param>
    /// <param name="weight"><c>[outputs, inputs]</c>.</param>
    /// <param name="bias"><c>[outputs]</c>.</param>
    /// <param name="y"><c>[rows, outputs]</c>.</param>
    /// <param name="inputs">Input size: the length of a row of x and of W.</param>
    /// <param name="outputs">Output size: the rows of W.</param>
    /// <param name="vector">Use <see cref="Vector{T}"/>.</param>
    public static void Apply(ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias, Span<float> y,
                             int inputs, int outputs, bool vector)
    {
        int rows = x.Length / inputs;
        for (int r = 0; r < rows; r++)
        {
            ReadOnlySpan<float> row = x.Slice(r * inputs, inputs);
            Span<float> result = y.Slice(r * outputs, outputs);
            for (int o = 0; o < outputs; o++)
            {
                result[o] = Dot(row, weight.Slice(o * inputs, inputs), vector) + bias[o];
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b, bool vector)
    {
        int i = 0;
        float sum = 0f;
        if (vector && a.Length >= Vector<float>.Count)
        {
            ref float left = ref MemoryMarshal.GetReference(a), right = ref MemoryMarshal.GetReference(b);
            Vector<float> acc0 = Vector<float>.Zero, acc1 = Vector<float>.Zero;
            for (; i <= a.Length - (2 * Vector<float>.Count); i += 2 * Vector<float>.Count)
            {
                acc0 += Vector.LoadUnsafe(ref left, (nuint)i) * Vector.LoadUnsafe(ref right, (nuint)i);
                acc1 += Vector.LoadUnsafe(ref left, (nuint)(i + Vector<float>.Count)) * Vector.LoadUnsafe(ref right, (nuint)(i + Vector<float>.Count));
            }

            for (; i <= a.Length - Vector<float>.Count; i += Vector<float>.Count)
            {
                acc0 += Vector.LoadUnsafe(ref left, (nuint)i) * Vector.LoadUnsafe(ref right, (nuint)i);
            }

            sum = Vector.Sum(acc0 + acc1);
        }

        for (; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
