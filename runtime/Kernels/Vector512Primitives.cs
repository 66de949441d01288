using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using static CrossAttention.Kernels.ExpPolynomial;

namespace CrossAttention.Kernels;

/// <summary>
/// The <c>Vector512</c> building blocks of the <see cref="KernelPath.Specialized512"/> tier (AVX-512): the float
/// <c>exp</c>, the horizontal reductions that turn 16 (or 4) dot-product accumulators into one vector of sums, and
/// lane maxima and sums. Every method inlines into generated code and is built from the portable vector APIs (the
/// reductions fold each vector to 256 bits, then reduce as <see cref="Vector256Primitives"/> does), so the tier's
/// code is exact on any CPU, fast where <see cref="IsSupported"/>. Called by generated code only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Vector512Primitives
{
    /// <summary>
    /// True when this CPU runs the tier at speed: the runtime accelerates <c>Vector512</c> (AVX-512 present, and not
    /// turned off by <c>DOTNET_EnableAVX512=0</c> or <c>DOTNET_PreferredVectorBitWidth=256</c>).
    /// </summary>
    public static bool IsSupported => Vector512.IsHardwareAccelerated;

    /// <summary>e^x per lane (<see cref="ExpPolynomial"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x)
    {
        // The native min/max return their second operand (x86) when either is NaN: x second keeps NaN.
        Vector512<float> clamped = Vector512.MinNative(Vector512.Create(MaxArgument), Vector512.MaxNative(Vector512.Create(MinArgument), x));
        Vector512<float> n = Vector512.Round(clamped * Vector512.Create(Log2E));
        Vector512<float> r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Hi), clamped);
        r = Vector512.FusedMultiplyAdd(n, Vector512.Create(-Ln2Lo), r);

        Vector512<float> y = Vector512.FusedMultiplyAdd(Vector512.Create(P0), r, Vector512.Create(P1));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(P2));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(P3));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(P4));
        y = Vector512.FusedMultiplyAdd(y, r, Vector512.Create(P5));
        y = Vector512.FusedMultiplyAdd(y, r * r, r) + Vector512.Create(1f);

        Vector512<int> bits = Vector512.ShiftLeft(Vector512.ConvertToInt32Native(n) + Vector512.Create(127), 23);
        // x < min is false for NaN, so NaN survives and only x below the range (−∞ included) becomes 0.
        return Vector512.AndNot(y * bits.AsSingle(), Vector512.LessThan(x, Vector512.Create(MinArgument)));
    }

    /// <summary>
    /// Lane <c>t</c> of the result is the sum of the 16 lanes of <c>a{t}</c>: sixteen dot-product accumulators in, one
    /// vector of sixteen dot products out. Four steps of pairs (<see cref="ReduceHalves"/>, then the halves): 15 shuffles,
    /// where folding each vector to 256 bits and reducing those took 44.
    /// </summary>
    /// <remarks>
    /// Every reduction here sums a vector's lanes in one order — pairs of neighbours, then pairs of those, up to the two
    /// halves — so a row's dot products are the same bits whichever reduction (whichever block of rows) computes them.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Reduce(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
                                          Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7,
                                          Vector512<float> a8, Vector512<float> a9, Vector512<float> a10, Vector512<float> a11,
                                          Vector512<float> a12, Vector512<float> a13, Vector512<float> a14, Vector512<float> a15) =>
        Pair8(ReduceHalves(a0, a1, a2, a3, a4, a5, a6, a7), ReduceHalves(a8, a9, a10, a11, a12, a13, a14, a15));

    /// <summary>Lane <c>t</c> of the result is the sum of the 16 lanes of <c>a{t}</c>, for eight accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Reduce8(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
                                           Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7) =>
        Fold(ReduceHalves(a0, a1, a2, a3, a4, a5, a6, a7));

    /// <summary>Lane <c>t</c> of the result is the sum of the 16 lanes of <c>a{t}</c>, for four accumulators.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3)
    {
        // Lane 4m + t: a{t}'s lanes 4m … 4m + 3 summed; then each group of four and the next, then the halves.
        Vector512<float> quarters = Pair2(Pair1(a0, a1), Pair1(a2, a3));
        return Fold(quarters + Swap4(quarters)).GetLower();
    }

    /// <summary>
    /// Lane <c>8g + t</c> of the result is the sum of the eight lanes of half <c>g</c> of <c>a{t}</c>: eight
    /// accumulators, each holding two 8-lane dot products (two heads of 8 columns), in; one vector of their 16 dot
    /// products out. Three steps, each halving the vectors: two selects, one in-lane shuffle and one add per pair (a pair
    /// of vectors to one, lanes of the first at even positions of the step's distance, of the second at odd ones).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ReduceHalves(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3,
                                                Vector512<float> a4, Vector512<float> a5, Vector512<float> a6, Vector512<float> a7) =>
        Pair4(Pair2(Pair1(a0, a1), Pair1(a2, a3)), Pair2(Pair1(a4, a5), Pair1(a6, a7)));

    /// <summary>Lanes 2m of the result: x's lanes 2m and 2m + 1 added; lanes 2m + 1: y's.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair1(Vector512<float> x, Vector512<float> y)
    {
        Vector512<float> first = Vector512.Create(-1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0, -1, 0).AsSingle();
        return Vector512.ConditionalSelect(first, x, y) + Swap1(Vector512.ConditionalSelect(first, y, x));
    }

    /// <summary>As <see cref="Pair1"/> over lanes two apart: lanes 4m, 4m + 1 from x, 4m + 2, 4m + 3 from y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair2(Vector512<float> x, Vector512<float> y)
    {
        Vector512<float> first = Vector512.Create(-1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0, -1, -1, 0, 0).AsSingle();
        return Vector512.ConditionalSelect(first, x, y) + Swap2(Vector512.ConditionalSelect(first, y, x));
    }

    /// <summary>As <see cref="Pair1"/> over lanes four apart: each half's first four lanes from x, its last four from y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair4(Vector512<float> x, Vector512<float> y)
    {
        Vector512<float> first = Vector512.Create(-1, -1, -1, -1, 0, 0, 0, 0, -1, -1, -1, -1, 0, 0, 0, 0).AsSingle();
        return Vector512.ConditionalSelect(first, x, y) + Swap4(Vector512.ConditionalSelect(first, y, x));
    }

    /// <summary>As <see cref="Pair1"/> over lanes eight apart: the first half from x, the second from y.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Pair8(Vector512<float> x, Vector512<float> y)
    {
        Vector512<float> first = Vector512.Create(-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0).AsSingle();
        return Vector512.ConditionalSelect(first, x, y) + Swap8(Vector512.ConditionalSelect(first, y, x));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Swap8(Vector512<float> x) => Vector512.Create(x.GetUpper(), x.GetLower());

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Swap1(Vector512<float> x) =>
        Vector512.Shuffle(x, Vector512.Create(1, 0, 3, 2, 5, 4, 7, 6, 9, 8, 11, 10, 13, 12, 15, 14));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Swap2(Vector512<float> x) =>
        Vector512.Shuffle(x, Vector512.Create(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Swap4(Vector512<float> x) =>
        Vector512.Shuffle(x, Vector512.Create(4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11));

    /// <summary>
    /// Each lane the largest of its aligned group of <paramref name="group"/> lanes (1, 2, 4 or 8, a constant: the JIT
    /// keeps the steps it needs): a softmax's maximum over the keys of a head that one vector holds side by side.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="group"/> is not 1, 2, 4 or 8 (a check the JIT drops for a constant).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GroupMax(Vector512<float> x, int group)
    {
        CheckGroup(group);
        if (group >= 2)
        {
            x = Vector512.MaxNative(x, Swap1(x));
        }

        if (group >= 4)
        {
            x = Vector512.MaxNative(x, Swap2(x));
        }

        if (group >= 8)
        {
            x = Vector512.MaxNative(x, Swap4(x));
        }

        return x;
    }

    /// <summary>Each lane the sum of its aligned group of <paramref name="group"/> lanes (as <see cref="GroupMax"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="group"/> is not 1, 2, 4 or 8.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> GroupSum(Vector512<float> x, int group)
    {
        CheckGroup(group);
        if (group >= 2)
        {
            x += Swap1(x);
        }

        if (group >= 4)
        {
            x += Swap2(x);
        }

        if (group >= 8)
        {
            x += Swap4(x);
        }

        return x;
    }

    /// <summary>
    /// Lane <paramref name="lane"/> of <paramref name="x"/> in the first half's eight lanes, lane 8 + <paramref name="lane"/>
    /// in the second's (<paramref name="lane"/> 0–7, a constant): two heads' probabilities over their value columns.
    /// </summary>
    /// <remarks>
    /// Each index vector is a literal: in a large method the JIT may have no inlining budget left to fold one built
    /// from <paramref name="lane"/>, and a shuffle by indices it cannot see compiles to the permute, a range check and a
    /// mask (measured in a causal kernel's masked instantiation).
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lane"/> is not 0–7 (a check the JIT drops for a constant).</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> BroadcastHalves(Vector512<float> x, int lane) => lane switch
    {
        0 => Vector512.Shuffle(x, Vector512.Create(0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8)),
        1 => Vector512.Shuffle(x, Vector512.Create(1, 1, 1, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 9, 9)),
        2 => Vector512.Shuffle(x, Vector512.Create(2, 2, 2, 2, 2, 2, 2, 2, 10, 10, 10, 10, 10, 10, 10, 10)),
        3 => Vector512.Shuffle(x, Vector512.Create(3, 3, 3, 3, 3, 3, 3, 3, 11, 11, 11, 11, 11, 11, 11, 11)),
        4 => Vector512.Shuffle(x, Vector512.Create(4, 4, 4, 4, 4, 4, 4, 4, 12, 12, 12, 12, 12, 12, 12, 12)),
        5 => Vector512.Shuffle(x, Vector512.Create(5, 5, 5, 5, 5, 5, 5, 5, 13, 13, 13, 13, 13, 13, 13, 13)),
        6 => Vector512.Shuffle(x, Vector512.Create(6, 6, 6, 6, 6, 6, 6, 6, 14, 14, 14, 14, 14, 14, 14, 14)),
        7 => Vector512.Shuffle(x, Vector512.Create(7, 7, 7, 7, 7, 7, 7, 7, 15, 15, 15, 15, 15, 15, 15, 15)),
        _ => throw new ArgumentOutOfRangeException(nameof(lane), lane, "A lane of a half: expected 0 to 7."),
    };

    private static void CheckGroup(int group)
    {
        if (group is not (1 or 2 or 4 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(group), group, "Lanes a group: expected 1, 2, 4 or 8.");
        }
    }

    /// <summary>The largest lane (NaN if a lane is NaN and the comparison meets it).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector512<float> v) => Vector256Primitives.HorizontalMax(Vector256.MaxNative(v.GetLower(), v.GetUpper()));

    /// <summary>The largest of four lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector128<float> v) => Vector128Primitives.HorizontalMax(v);

    /// <summary>The sum of the 16 lanes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector512<float> v) => Vector256Primitives.HorizontalSum(Fold(v));

    /// <summary>The two halves added: 16 lanes to 8, each the sum of lanes t and t + 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fold(Vector512<float> v) => v.GetLower() + v.GetUpper();

    /// <summary>
    /// One head of one batch item with the query rows in the vector lanes (<see cref="QueryLanesAttention{TWidth, TVector}"/>),
    /// for generated kernels of many query rows. <paramref name="scratchLength"/> is what <paramref name="scratch"/> holds:
    /// one short of what the kernel needs throws <see cref="InvalidOperationException"/> before anything is written.
    /// </summary>
    public static void AttendQueryLanes(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep,
                                        ref float scratch, int scratchLength, int lq, int lkv, int d, int kvStride, int headSize, float scale,
                                        bool causal) =>
        QueryLanesAttention<Width512, Vector512<float>>.Attend(ref q, ref k, ref v, ref o, ref w, writeWeights, ref keep, ref scratch, scratchLength,
                                                                 lq, lkv, d, kvStride, headSize, scale, causal);

    /// <summary>
    /// <c>y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ + b</c> with W and b in their PyTorch layout
    /// (<c>outputs</c> = <c>b.Length</c>): the projections of every shape's layer at this width, split over threads when
    /// asked for and worth it. Calls of 16 rows or more (and 128 inputs or more) run as outer products with the rows in
    /// the vector lanes (<see cref="PanelLinear{TKernel}"/>), fewer (a decoder step's one row) as dot products along W's
    /// rows (<see cref="VectorLinear{TWidth, TVector}"/>).
    /// </summary>
    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>
        PanelLinear<Avx512Panel>.Project(x, rows, w, b, y);

    /// <summary>
    /// Two projections of the same rows (a layer's keys and values), <see cref="Project"/> for each: the rows are packed
    /// once for both where the panel kernel takes them on one thread.
    /// </summary>
    public static void ProjectPair(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, Span<float> y1,
                                   ReadOnlySpan<float> w2, ReadOnlySpan<float> b2, Span<float> y2) =>
        PanelLinear<Avx512Panel>.ProjectPair(x, rows, w1, b1, y1, w2, b2, y2);
}
