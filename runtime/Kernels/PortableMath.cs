using System.Numerics;
using System.Runtime.CompilerServices;

namespace CrossAttention.Kernels;

/// <summary>
/// The <see cref="Avx2Primitives.Exp"/> algorithm on <see cref="Vector{T}"/>, for the generic path on any CPU with
/// vector hardware (same range reduction, same polynomial, same edge cases).
/// </summary>
internal static class PortableMath
{
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        var min = new Vector<float>(Avx2Primitives.ExpMinArgument);
        var max = new Vector<float>(Avx2Primitives.ExpMaxArgument);

        // Comparisons are false for NaN, so these selects keep NaN lanes as they are.
        Vector<float> clamped = Vector.ConditionalSelect(Vector.LessThan(x, min), min, x);
        clamped = Vector.ConditionalSelect(Vector.GreaterThan(clamped, max), max, clamped);

        Vector<float> n = Vector.Floor(clamped * Log2E + new Vector<float>(0.5f));
        Vector<float> r = clamped - n * Ln2Hi;
        r -= n * Ln2Lo;

        Vector<float> y = new Vector<float>(1.9875691500e-4f) * r + new Vector<float>(1.3981999507e-3f);
        y = y * r + new Vector<float>(8.3334519073e-3f);
        y = y * r + new Vector<float>(4.1665795894e-2f);
        y = y * r + new Vector<float>(1.6666665459e-1f);
        y = y * r + new Vector<float>(5.0000001201e-1f);
        y = y * (r * r) + r;
        y += Vector<float>.One;

        Vector<int> bits = Vector.ShiftLeft(Vector.ConvertToInt32(n) + new Vector<int>(127), 23);
        Vector<float> result = y * Vector.AsVectorSingle(bits);
        return Vector.ConditionalSelect(Vector.LessThan(x, min), Vector<float>.Zero, result);
    }
}
