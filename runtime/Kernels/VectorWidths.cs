using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace CrossAttention.Kernels;

/// <summary>
/// A vector width as a type, so that runtime kernels shared by every shape (<see cref="VectorLinear{TWidth, TVector}"/>)
/// are written once and compiled by the JIT for each width: every member is a static abstract that a struct implements
/// with the intrinsics of its width, and that the JIT inlines into the specialized kernel.
/// </summary>
/// <typeparam name="TVector">The vector of floats: <c>Vector512&lt;float&gt;</c>, <c>Vector256&lt;float&gt;</c> or
/// <c>Vector128&lt;float&gt;</c>.</typeparam>
internal interface IVectorWidth<TVector>
    where TVector : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Lanes { get; }

    static abstract TVector Zero { get; }

    static abstract TVector Load(ref float source, nint offset);

    /// <summary>a · b + addend, rounded once.</summary>
    static abstract TVector MultiplyAdd(TVector a, TVector b, TVector addend);

    static abstract TVector And(TVector a, TVector b);

    /// <summary>All bits set in the last <paramref name="tailLanes"/> lanes, zero in the others.</summary>
    static abstract TVector TailMask(int tailLanes);

    /// <summary>Lane <c>t</c> of the result is the sum of the lanes of <c>a{t}</c>.</summary>
    static abstract Vector128<float> Reduce4(TVector a0, TVector a1, TVector a2, TVector a3);

    /// <summary><paramref name="value"/> in every lane.</summary>
    static abstract TVector Create(float value);

    static abstract void Store(TVector value, ref float destination, nint offset);

    static abstract TVector Add(TVector a, TVector b);

    static abstract TVector Subtract(TVector a, TVector b);

    static abstract TVector Multiply(TVector a, TVector b);

    /// <summary>The native lane maximum (which operand a NaN yields is the platform's).</summary>
    static abstract TVector Max(TVector a, TVector b);

    /// <summary>e^x per lane, the tier's own (<see cref="ExpPolynomial"/>).</summary>
    static abstract TVector Exp(TVector x);

    /// <summary>The largest lane.</summary>
    static abstract float HorizontalMax(TVector x);

    /// <summary>The sum of the lanes.</summary>
    static abstract float HorizontalSum(TVector x);

    /// <summary>
    /// <c>y[rows, outputs] = x[rows, inputs] · W[outputs, inputs]ᵀ + b</c> (<c>outputs</c> = <c>b.Length</c>): the
    /// tier's projection kernel of this width, split over threads when asked for and worth it.
    /// </summary>
    static abstract void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);
}

/// <summary>The <c>Vector512</c> width (<see cref="KernelPath.Specialized512"/>).</summary>
internal readonly struct Width512 : IVectorWidth<Vector512<float>>
{
    public static int Lanes => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref float source, nint offset) => Vector512.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> a, Vector512<float> b, Vector512<float> addend) =>
        Vector512.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> And(Vector512<float> a, Vector512<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> TailMask(int tailLanes) =>
        Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(Lanes - tailLanes)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector512<float> a0, Vector512<float> a1, Vector512<float> a2, Vector512<float> a3) =>
        Vector512Primitives.Reduce4(a0, a1, a2, a3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Create(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> a, Vector512<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> a, Vector512<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Max(Vector512<float> a, Vector512<float> b) => Vector512.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Exp(Vector512<float> x) => Vector512Primitives.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector512<float> x) => Vector512Primitives.HorizontalMax(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector512<float> x) => Vector512Primitives.HorizontalSum(x);

    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>
        Vector512Primitives.Project(x, rows, w, b, y);
}

/// <summary>The <c>Vector256</c> width (<see cref="KernelPath.Specialized256"/>).</summary>
internal readonly struct Width256 : IVectorWidth<Vector256<float>>
{
    public static int Lanes => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref float source, nint offset) => Vector256.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> a, Vector256<float> b, Vector256<float> addend) =>
        Vector256.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> And(Vector256<float> a, Vector256<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> TailMask(int tailLanes) =>
        Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(Lanes - tailLanes)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector256<float> a0, Vector256<float> a1, Vector256<float> a2, Vector256<float> a3) =>
        Vector256Primitives.Reduce4(a0, a1, a2, a3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Create(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> a, Vector256<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> a, Vector256<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Max(Vector256<float> a, Vector256<float> b) => Vector256.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Exp(Vector256<float> x) => Vector256Primitives.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector256<float> x) => Vector256Primitives.HorizontalMax(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector256<float> x) => Vector256Primitives.HorizontalSum(x);

    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>
        Vector256Primitives.Project(x, rows, w, b, y);
}

/// <summary>The <c>Vector128</c> width (<see cref="KernelPath.Specialized128"/>).</summary>
internal readonly struct Width128 : IVectorWidth<Vector128<float>>
{
    public static int Lanes => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref float source, nint offset) => Vector128.LoadUnsafe(ref Unsafe.Add(ref source, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> a, Vector128<float> b, Vector128<float> addend) =>
        Vector128.FusedMultiplyAdd(a, b, addend);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> And(Vector128<float> a, Vector128<float> b) => a & b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> TailMask(int tailLanes) =>
        Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(Lanes - tailLanes)).AsSingle();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Reduce4(Vector128<float> a0, Vector128<float> a1, Vector128<float> a2, Vector128<float> a3) =>
        Vector128Primitives.Reduce(a0, a1, a2, a3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Create(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination, nint offset) => value.StoreUnsafe(ref Unsafe.Add(ref destination, offset));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> a, Vector128<float> b) => a - b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> a, Vector128<float> b) => a * b;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Max(Vector128<float> a, Vector128<float> b) => Vector128.MaxNative(a, b);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Exp(Vector128<float> x) => Vector128Primitives.Exp(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalMax(Vector128<float> x) => Vector128Primitives.HorizontalMax(x);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float HorizontalSum(Vector128<float> x) => Vector128Primitives.HorizontalSum(x);

    public static void Project(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y) =>
        Vector128Primitives.Project(x, rows, w, b, y);
}
