using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace CrossAttention.Kernels;

/// <summary>
/// The spans of one kernel call, pinned for the call's duration so that worker threads can see them (a span cannot
/// cross threads). Built by <see cref="KernelParallel.For{TWork}"/>; read by <see cref="IKernelWork"/>. Called by
/// generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly unsafe struct KernelSpans
{
    private readonly float* _a, _b, _c, _d, _f;
    private readonly bool* _e;
    private readonly int _aLength, _bLength, _cLength, _dLength, _eLength, _fLength;

    internal KernelSpans(float* a, int aLength, float* b, int bLength, float* c, int cLength, float* d, int dLength,
                         bool* e, int eLength, float* f, int fLength, int count, object? state)
    {
        _a = a;
        _b = b;
        _c = c;
        _d = d;
        _e = e;
        _f = f;
        (_aLength, _bLength, _cLength, _dLength, _eLength, _fLength) = (aLength, bLength, cLength, dLength, eLength, fLength);
        Count = count;
        State = state;
    }

    /// <summary>First input (q, or x of a projection).</summary>
    public ReadOnlySpan<float> A => new(_a, _aLength);

    /// <summary>Second input (k, or a projection's weight).</summary>
    public ReadOnlySpan<float> B => new(_b, _bLength);

    /// <summary>Third input (v, or a projection's bias).</summary>
    public ReadOnlySpan<float> C => new(_c, _cLength);

    /// <summary>The output.</summary>
    public Span<float> D => new(_d, _dLength);

    /// <summary>The key mask.</summary>
    public ReadOnlySpan<bool> E => new(_e, _eLength);

    /// <summary>The attention weights output.</summary>
    public Span<float> F => new(_f, _fLength);

    /// <summary>The call's batch size (attention) or row count (projections).</summary>
    public int Count { get; }

    /// <summary>The object running the call, for instance kernels.</summary>
    public object? State { get; }
}

/// <summary>A kernel's work over items <c>[start, end)</c> of a call; every item is computed the same way on any thread.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IKernelWork
{
    /// <summary>Runs items <c>[start, end)</c>.</summary>
    static abstract void Run(in KernelSpans spans, int start, int end);
}

/// <summary>
/// Splits a kernel call into contiguous item ranges over <see cref="CrossAttentionKernels.DegreeOfParallelism"/>
/// threads. Items are independent and each is computed by the same code whichever thread runs it, so results are bitwise
/// identical to one thread. Called by generated code; not meant to be used directly.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static unsafe class KernelParallel
{
    /// <summary>Below this many floating-point operations a call stays on its thread: waking workers costs more.</summary>
    public const long DefaultMinimumFlops = 1_000_000;

    /// <summary>The threshold in force (tests lower it to run every shape's split path).</summary>
    internal static long MinimumFlops { get; set; } = DefaultMinimumFlops;

    /// <summary>True when a call of <paramref name="items"/> items and <paramref name="flops"/> work is worth splitting.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool ShouldSplit(int items, long flops) =>
        CrossAttentionKernels.DegreeOfParallelism > 1 && items > 1 && flops >= MinimumFlops;

    /// <summary>Runs <typeparamref name="TWork"/> over <paramref name="items"/> items on up to
    /// <see cref="CrossAttentionKernels.DegreeOfParallelism"/> threads, this one included.</summary>
    public static void For<TWork>(int items, ReadOnlySpan<float> a, ReadOnlySpan<float> b, ReadOnlySpan<float> c, Span<float> d,
                                  ReadOnlySpan<bool> e, Span<float> f, int count, object? state = null)
        where TWork : IKernelWork
    {
        fixed (float* pa = a, pb = b, pc = c, pd = d, pf = f)
        fixed (bool* pe = e)
        {
            var spans = new KernelSpans(pa, a.Length, pb, b.Length, pc, c.Length, pd, d.Length, pe, e.Length, pf, f.Length, count, state);
            WorkerPool.Run(&Invoke<TWork>, spans, items, Math.Min(CrossAttentionKernels.DegreeOfParallelism, items));
        }
    }

    private static void Invoke<TWork>(in KernelSpans spans, int start, int end) where TWork : IKernelWork =>
        TWork.Run(spans, start, end);
}
