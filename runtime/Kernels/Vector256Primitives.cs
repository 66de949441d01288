using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static CrossAttention.Kernels.ExpPolynomial;

namespace CrossAttention.Kernels;

/// <summary>
/// The <c>Vector256</c> building blocks of the <see cref="KernelPath.Specialized256"/> tier: the float <c>exp</c>,
/// the horizontal reductions that turn 8 (or 4) dot-product accumulators into one vector of sums, and lane maxima and
/// sums. Every method inlines into generated code. Where AVX is present the reductions use its horizontal adds;
/// elsewhere (the vector emulated in software) they compute the same sums portably, so the tier's code is exact on
/// any CPU, fast where <see cref="IsSupported"/>. Called by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Vector256Primitives
{
    /// <summary>True when this CPU runs the tier at speed: <c>Vector256</c> accelerated with FMA (AVX2 and FMA).</summary>
    public static bool IsSupported => Vector256.IsHardwareAccelerated && Fma.IsSupported;

    /// <summary>e^x per lane (<see cref="ExpPolynomial"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x)
    {
        // The native min/max return their second operand (x86) or NaN (ARM) when either is NaN: x second keeps NaN.
        Vector256<float> clamped = Vector256.MinNative(Vector256.Create(MaxArgument), Vector256.MaxNative(Vector256.Create(MinArgument), x));
        Vector256<float> n = Vector256.Round(clamped * Vector256.Create(Log2E));
        Vector256<float> r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Hi), clamped);
        r = Vector256.FusedMultiplyAdd(n, Vector256.Create(-Ln2Lo), r);

        Vector256<float> y = Vector256.FusedMultiplyAdd(Vector256.Create(P0), r, Vector256.Create(P1));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(P2));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(P3));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(P4));
        y = Vector256.FusedMultiplyAdd(y, r, Vector256.Create(P5));
        y = Vector256.FusedMultiplyAdd(y, r * r, r) + Vector256.Create(1f);

        Vector256<int> bits = Vector256.ShiftLeft(Vector256.ConvertToInt32Native(n) + Vector256.Create(127), 23);
        // x < min is false for NaN, so NaN survives and only x below the range (−∞ included) becomes 0.
        return Vector256.AndNot(y * bits.AsSingle(), Vector256.LessThan(x, Vector256.Create(MinArgument)));
    }

    /// <summary>
    /// Lane <c>t</c> of the result is the sum of the 8 lanes of <c>a{t}</c>: eight dot-product accumulators in, one
    /// vector of eight dot products out (nine shuffles and adds with AVX).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Reduce(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3,
                                          Vector256<float> a4, Vector256<float> a5, Vector256<float> a6, Vector256<float> a7)
    {
        if (Avx.IsSupported)
        {
            Vector256<float> a01 = Avx.HorizontalAdd(a0, a1);
            Vector256<float> a23 = Avx.HorizontalAdd(a2, a3);
            Vector256<float> a45 = Avx.HorizontalAdd(a4, a5);
            Vector256<float> a67 = Avx.HorizontalAdd(a6, a7);
            Vector256<float> low = Avx.HorizontalAdd(a01, a23);   // [a0..a3 of lanes 0-3 | a0..a3 of lanes 4-7]
            Vector256<float> high = Avx.HorizontalAdd(a45, a67);  // the same for a4..a7
            return Avx.Add(Avx.Permute2x128(low, high, 0x20), Avx.Permute2x128(low, high, 0x31));
        }

        return Vector256.Create(Reduce4(a0, a1, a2, a3), Reduce4(a4, a5, a6, a7));
    }

    /// <summary>Lane <c>t</c> of the result is the sum of the 8 lanes of <c>a{t}</c>, for four accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3)
    {
        if (Avx.IsSupported)
        {
            Vector256<float> sums = Avx.HorizontalAdd(Avx.HorizontalAdd(a0, a1), Avx.HorizontalAdd(a2, a3));
            return sums.GetLower() + sums.GetUpper();
        }

        return Vector128Primitives.Reduce(a0.GetLower() + a0.GetUpper(), a1.GetLower() + a1.GetUpper(),
                                          a2.GetLower() + a2.GetUpper(), a3.GetLower() + a3.GetUpper());
    }

    /// <summary>The largest lane (NaN if a lane is NaN and the comparison meets it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector256<float> v) => Vector128Primitives.HorizontalMax(Vector128.MaxNative(v.GetLower(), v.GetUpper()));

    /// <summary>The largest of four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector128<float> v) => Vector128Primitives.HorizontalMax(v);

    /// <summary>The sum of the 8 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector256<float> v) => Vector128Primitives.HorizontalSum(v.GetLower() + v.GetUpper());

    /// <summary>
    /// One head of one batch item with the query rows in the vector lanes (<see cref="QueryLanesAttention{TWidth, TVector}"/>),
    /// for generated kernels of many query rows. <paramref name="scratchLength"/> is what <paramref name="scratch"/> holds:
    /// one short of what the kernel needs throws <see cref="InvalidOperationException"/> before anything is written.
    /// </summary>
    public static void AttendQueryLanes(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep,
                                        ref float scratch, int scratchLength, int lq, int lkv, int d, int kvStride, int headSize, float scale,
                                        bool causal) =>
        QueryLanesAttention<Width256, Vector256<float>>.Attend(ref q, ref k, ref v, ref o, ref w, writeWeights, ref keep, ref scratch, scratchLength,
                                                                 lq, lkv, d, kvStride, headSize, scale, causal);

    /// <summary>
    /// <c>y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ + b</c> with W and b in their PyTorch layout
    /// (<c>outputs</c> = <c>b.Length</c>): the projections of every shape's layer at this width, split over threads when
    /// asked for and worth it. Calls of 8 rows or more (and 128 inputs or more) run as outer products with the rows in
    /// the vector lanes (<see cref="PanelLinear{TKernel}"/>), fewer (a decoder step's one row) as dot products along W's
    /// rows (<see cref="VectorLinear{TWidth, TVector}"/>).
    /// </summary>
    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>
        PanelLinear<Avx2Panel>.Project(x, rows, w, b, y);

    /// <summary>
    /// Two projections of the same rows (a layer's keys and values), <see cref="Project"/> for each: the rows are packed
    /// once for both where the panel kernel takes them on one thread.
    /// </summary>
    public static void ProjectPair(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, Span<float> y1,
                                   ReadOnlySpan<float> w2, ReadOnlySpan<float> b2, Span<float> y2) =>
        PanelLinear<Avx2Panel>.ProjectPair(x, rows, w1, b1, y1, w2, b2, y2);
}
