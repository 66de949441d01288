using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;
using static CrossAttention.Kernels.ExpPolynomial;

namespace CrossAttention.Kernels;

/// <summary>
/// The <c>Vector128</c> building blocks of the <see cref="KernelPath.Specialized128"/> tier (ARM64 AdvSimd): the
/// float <c>exp</c>, the horizontal reduction that turns 4 dot-product accumulators into one vector of sums, and lane
/// maxima and sums. Every method inlines into generated code; the reductions use AdvSimd's pairwise adds on ARM64,
/// SSE3's horizontal adds on x86, and portable code elsewhere, so the tier's code is exact on any CPU. Called by
/// generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Vector128Primitives
{
    /// <summary>
    /// True when this CPU runs the tier at speed: <c>Vector128</c> accelerated with a fused multiply-add (ARM64, or an
    /// x86 CPU with FMA — where the wider tiers come first).
    /// </summary>
    public static bool IsSupported => Vector128.IsHardwareAccelerated && (AdvSimd.Arm64.IsSupported || Fma.IsSupported);

    /// <summary>e^x per lane (<see cref="ExpPolynomial"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x)
    {
        // The native min/max return their second operand (x86) or NaN (ARM) when either is NaN: x second keeps NaN.
        Vector128<float> clamped = Vector128.MinNative(Vector128.Create(MaxArgument), Vector128.MaxNative(Vector128.Create(MinArgument), x));
        Vector128<float> n = Vector128.Round(clamped * Vector128.Create(Log2E));
        Vector128<float> r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Hi), clamped);
        r = Vector128.FusedMultiplyAdd(n, Vector128.Create(-Ln2Lo), r);

        Vector128<float> y = Vector128.FusedMultiplyAdd(Vector128.Create(P0), r, Vector128.Create(P1));
        y = Vector128.FusedMultiplyAdd(y, r, Vector128.Create(P2));
        y = Vector128.FusedMultiplyAdd(y, r, Vector128.Create(P3));
        y = Vector128.FusedMultiplyAdd(y, r, Vector128.Create(P4));
        y = Vector128.FusedMultiplyAdd(y, r, Vector128.Create(P5));
        y = Vector128.FusedMultiplyAdd(y, r * r, r) + Vector128.Create(1f);

        Vector128<int> bits = Vector128.ShiftLeft(Vector128.ConvertToInt32Native(n) + Vector128.Create(127), 23);
        // x < min is false for NaN, so NaN survives and only x below the range (−∞ included) becomes 0.
        return Vector128.AndNot(y * bits.AsSingle(), Vector128.LessThan(x, Vector128.Create(MinArgument)));
    }

    /// <summary>Lane <c>t</c> of the result is the sum of the 4 lanes of <c>a{t}</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce(Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3)
    {
        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.AddPairwise(AdvSimd.Arm64.AddPairwise(a0, a1), AdvSimd.Arm64.AddPairwise(a2, a3));
        }

        if (Sse3.IsSupported)
        {
            return Sse3.HorizontalAdd(Sse3.HorizontalAdd(a0, a1), Sse3.HorizontalAdd(a2, a3));
        }

        return Vector128.Create(Vector128.Sum(a0), Vector128.Sum(a1), Vector128.Sum(a2), Vector128.Sum(a3));
    }

    /// <summary>The same as <see cref="Reduce"/>: with 4 lanes, four accumulators fill one vector.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3) =>
        Reduce(a0, a1, a2, a3);

    /// <summary>The largest of four lanes (NaN if a lane is NaN and the comparison meets it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector128<float> v)
    {
        if (AdvSimd.Arm64.IsSupported)
        {
            return AdvSimd.Arm64.MaxAcross(v).ToScalar();
        }

        v = Vector128.MaxNative(v, Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1)));
        v = Vector128.MaxNative(v, Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2)));
        return v.ToScalar();
    }

    /// <summary>The sum of the four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector128<float> v)
    {
        v += Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        v += Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2));
        return v.ToScalar();
    }

    /// <summary>
    /// One head of one batch item with the query rows in the vector lanes (<see cref="QueryLanesAttention{TWidth, TVector}"/>),
    /// for generated kernels of many query rows. <paramref name="scratchLength"/> is what <paramref name="scratch"/> holds:
    /// one short of what the kernel needs throws <see cref="InvalidOperationException"/> before anything is written.
    /// </summary>
    public static void AttendQueryLanes(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep,
                                        ref float scratch, int scratchLength, int lq, int lkv, int d, int kvStride, int headSize, float scale,
                                        bool causal) =>
        QueryLanesAttention<Width128, Vector128<float>>.Attend(ref q, ref k, ref v, ref o, ref w, writeWeights, ref keep, ref scratch, scratchLength,
                                                                 lq, lkv, d, kvStride, headSize, scale, causal);

    /// <summary>
    /// <c>y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ + b</c> with W and b in their PyTorch layout
    /// (<c>outputs</c> = <c>b.Length</c>): the projections of every shape's layer at this width, one runtime kernel
    /// (<see cref="VectorLinear{TWidth, TVector}"/>), split over threads when asked for and worth it.
    /// </summary>
    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>
        VectorLinear<Width128, Vector128<float>>.Project(x, rows, w, b, y);

    /// <summary>Two projections of the same rows (a layer's keys and values): <see cref="Project"/> for each.</summary>
    public static void ProjectPair(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, Span<float> y1,
                                   ReadOnlySpan<float> w2, ReadOnlySpan<float> b2, Span<float> y2)
    {
        Project(x, rows, w1, b1, y1);
        Project(x, rows, w2, b2, y2);
    }
}
