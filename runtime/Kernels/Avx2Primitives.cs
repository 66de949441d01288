using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace CrossAttention.Kernels;

/// <summary>
/// The small <c>Vector256</c> building blocks generated kernels are made of: a float polynomial <c>exp</c>, the
/// 8-way horizontal reduction that turns eight dot-product accumulators into one vector of eight scores, and the
/// key-mask expansion. Every method inlines into the generated code. Called by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Avx2Primitives
{
    /// <summary>True when this CPU runs the specialized kernels (AVX2 and FMA).</summary>
    public static bool IsSupported => Avx2.IsSupported && Fma.IsSupported;

    // exp(x) = 2^n · exp(r), n = round(x / ln 2), r = x − n·ln 2 in [−ln2/2, ln2/2] (Cody–Waite split of ln 2 so
    // that n·Ln2Hi is exact); exp(r) by the Cephes degree-5 minimax polynomial: ≈ 1 ulp over the float range.
    private const float Log2E = 1.44269504088896341f;
    private const float Ln2Hi = 0.693359375f;
    private const float Ln2Lo = -2.12194440e-4f;
    private const float P0 = 1.9875691500e-4f;
    private const float P1 = 1.3981999507e-3f;
    private const float P2 = 8.3334519073e-3f;
    private const float P3 = 4.1665795894e-2f;
    private const float P4 = 1.6666665459e-1f;
    private const float P5 = 5.0000001201e-1f;

    /// <summary>Smallest argument whose result is a normal float; below it the result is 0.</summary>
    internal const float ExpMinArgument = -87.33654f;

    /// <summary>Largest argument whose result is finite.</summary>
    internal const float ExpMaxArgument = 88f;

    /// <summary>
    /// e^x per lane: exact 1 at 0, 0 below <see cref="ExpMinArgument"/> (and for −∞), NaN for NaN, saturating at
    /// e^<see cref="ExpMaxArgument"/> above.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        // vmaxps/vminps return their second operand when either is NaN: putting x second keeps NaN.
        Vector256<float> clamped = Avx.Min(Vector256.Create(ExpMaxArgument), Avx.Max(Vector256.Create(ExpMinArgument), x));
        Vector256<float> n = Avx.RoundToNearestInteger(Avx.Multiply(clamped, Vector256.Create(Log2E)));
        Vector256<float> r = Fma.MultiplyAddNegated(n, Vector256.Create(Ln2Hi), clamped);
        r = Fma.MultiplyAddNegated(n, Vector256.Create(Ln2Lo), r);

        Vector256<float> y = Fma.MultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        y = Fma.MultiplyAdd(y, r, Vector256.Create(P2));
        y = Fma.MultiplyAdd(y, r, Vector256.Create(P3));
        y = Fma.MultiplyAdd(y, r, Vector256.Create(P4));
        y = Fma.MultiplyAdd(y, r, Vector256.Create(P5));
        y = Fma.MultiplyAdd(y, Avx.Multiply(r, r), r);
        y = Avx.Add(y, Vector256.Create(1f));

        Vector256<int> bits = Avx2.ShiftLeftLogical(Avx2.Add(Avx.ConvertToVector256Int32(n), Vector256.Create(127)), 23);
        Vector256<float> result = Avx.Multiply(y, bits.AsSingle());

        // Unordered "not less than" is true for NaN, so NaN survives and only x < min (−∞ included) becomes 0.
        return Avx.And(result, Avx.CompareNotLessThan(x, Vector256.Create(ExpMinArgument)));
    }

    /// <summary>
    /// Lane <c>t</c> of the result is the sum of the eight lanes of <c>a{t}</c>: eight dot-product accumulators in,
    /// one vector of eight dot products out, in nine shuffles and adds.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Reduce8(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
                                           Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        Vector256<float> a01 = Avx.HorizontalAdd(a0, a1);
        Vector256<float> a23 = Avx.HorizontalAdd(a2, a3);
        Vector256<float> a45 = Avx.HorizontalAdd(a4, a5);
        Vector256<float> a67 = Avx.HorizontalAdd(a6, a7);
        Vector256<float> low = Avx.HorizontalAdd(a01, a23);   // [a0..a3 of lanes 0-3 | a0..a3 of lanes 4-7]
        Vector256<float> high = Avx.HorizontalAdd(a45, a67);  // the same for a4..a7
        return Avx.Add(Avx.Permute2x128(low, high, 0x20), Avx.Permute2x128(low, high, 0x31));
    }

    /// <summary>Lane <c>t</c> of the result is the sum of the eight lanes of <c>a{t}</c>, for four accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        Vector256<float> sums = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
        return Sse.Add(sums.GetLower(), sums.GetUpper());
    }

    /// <summary>The largest lane (NaN if a lane is NaN and the comparison meets it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector256<float> v)
    {
        Vector128<float> m = Sse.Max(v.GetLower(), v.GetUpper());
        m = Sse.Max(m, Sse.Shuffle(m, m, 0b01_00_11_10));
        m = Sse.Max(m, Sse.Shuffle(m, m, 0b10_11_00_01));
        return m.ToScalar();
    }

    /// <summary>The largest of four lanes (NaN if a lane is NaN and the comparison meets it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector128<float> m)
    {
        m = Sse.Max(m, Sse.Shuffle(m, m, 0b01_00_11_10));
        m = Sse.Max(m, Sse.Shuffle(m, m, 0b10_11_00_01));
        return m.ToScalar();
    }

    /// <summary>The sum of the eight lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector256<float> v)
    {
        Vector128<float> s = Sse.Add(v.GetLower(), v.GetUpper());
        s = Sse.Add(s, Sse.Shuffle(s, s, 0b01_00_11_10));
        s = Sse.Add(s, Sse.Shuffle(s, s, 0b10_11_00_01));
        return s.ToScalar();
    }

    /// <summary>
    /// Expands one batch item's key mask into <paramref name="keep"/>: −1 (all bits set, a blend mask) for keys that
    /// are attended, 0 for masked keys and for the padding lanes past <c>Lkv</c>. An empty mask attends every key.
    /// Returns the number of attended keys: a batch item with none gets zeros without running the kernel.
    /// </summary>
    public static int FillKeep(Span<int> keep, ReadOnlySpan<bool> keyMask, int lkv)
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
