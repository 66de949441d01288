using System.Numerics;
using System.Runtime.CompilerServices;
using static CrossAttention.Kernels.ExpPolynomial;

namespace CrossAttention.Kernels;

/// <summary>
/// The <see cref="ExpPolynomial"/> algorithm on <see cref="Vector{T}"/>, for the generic path on any CPU with
/// vector hardware: same range reduction, polynomial and edge cases, with separate multiplies and adds (the generic path
/// runs where the tiers do not, often a CPU without a fused multiply-add, where one would be emulated in software).
/// </summary>
internal static class PortableMath
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector<float> Exp(Vector<float> x)
    {
        var min = new Vector<float>(MinArgument);
        var max = new Vector<float>(MaxArgument);

        // Comparisons are false for NaN, so these selects keep NaN lanes as they are.
        Vector<float> clamped = Vector.ConditionalSelect(Vector.LessThan(x, min), min, x);
        clamped = Vector.ConditionalSelect(Vector.GreaterThan(clamped, max), max, clamped);

        Vector<float> n = Vector.Floor(clamped * Log2E + new Vector<float>(0.5f));
        Vector<float> r = clamped - n * Ln2Hi;
        r -= n * Ln2Lo;

        Vector<float> y = new Vector<float>(P0) * r + new Vector<float>(P1);
        y = y * r + new Vector<float>(P2);
        y = y * r + new Vector<float>(P3);
        y = y * r + new Vector<float>(P4);
        y = y * r + new Vector<float>(P5);
        y = y * (r * r) + r;
        y += Vector<float>.One;

        Vector<int> bits = Vector.ShiftLeft(Vector.ConvertToInt32(n) + new Vector<int>(127), 23);
        Vector<float> result = y * Vector.AsVectorSingle(bits);
        return Vector.ConditionalSelect(Vector.LessThan(x, min), Vector<float>.Zero, result);
    }
}
