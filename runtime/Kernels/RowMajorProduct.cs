using System;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CrossAttention.Kernels;

/// <summary>
/// <c>C[m, n] = A[m, k] · B[k, n]</c>, every matrix row-major (B's rows read where they are, as a context's rows or
/// the rows of a weight): the outer-product register block of packed GEMM micro-kernels, which needs no packing when B's
/// rows already run along the output columns. A block of rows × vectors of columns (6 × 4 vectors, 24 accumulators of
/// AVX-512's 32 registers, on the 512-bit width; 4 × 3, 12 of AVX2's 16, on the others) walks k: each step loads the
/// block's vectors of B's row once and broadcasts one value of A per row, one FMA per accumulator, no horizontal sums.
/// Columns past the last whole block go a vector at a time, then one at a time.
/// </summary>
/// <remarks>
/// A block's last rows, when fewer than a block are left, repeat the last row (computed, not stored), so one block
/// code runs every row count. Every element is one chain of FMAs over k in order, whatever block, column range or
/// thread computes it, so results do not depend on how the call is split.
/// </remarks>
internal static class RowMajorProduct<TWidth, TVector>
    where TWidth : struct, IVectorWidth<TVector>
    where TVector : struct
{
    /// <summary>Rows per register block: 6 on the 512-bit width, else 4.</summary>
    private static int BlockRows
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TWidth.Lanes == 16 ? 6 : 4;
    }

    /// <summary>Vectors of columns per register block: 4 on the 512-bit width, else 3.</summary>
    private static int BlockVectors
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => TWidth.Lanes == 16 ? 4 : 3;
    }

    /// <summary>Columns per register block.</summary>
    private static int BlockColumns => BlockVectors * TWidth.Lanes;

    /// <summary>
    /// <c>c = a · b</c> for contiguous matrices (<c>a</c> is <paramref name="m"/> × k, <c>b</c> k × n, <c>c</c>
    /// <paramref name="m"/> × n), split over threads by ranges of columns when that is asked for and worth it.
    /// </summary>
    public static void Multiply(ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int m)
    {
        int k = a.Length / m, n = c.Length / m;
        Debug.Assert(a.Length == m * k && b.Length == k * n && c.Length == m * n);
        int blocks = (n + BlockColumns - 1) / BlockColumns;
        if (KernelParallel.ShouldSplit(blocks, 2L * m * k * n))
        {
            KernelParallel.For<Work>(blocks, a, b, default, c, default, default, m);
        }
        else
        {
            Multiply(ref MemoryMarshal.GetReference(a), k, ref MemoryMarshal.GetReference(b), n, ref MemoryMarshal.GetReference(c), n, m, k, 0, n);
        }
    }

    /// <summary>Column blocks [start, end) on one thread (<c>spans.Count</c> = m), the last running to the last column.</summary>
    private readonly struct Work : IKernelWork
    {
        public static void Run(in KernelSpans spans, int start, int end)
        {
            int m = spans.Count, k = spans.A.Length / m, n = spans.D.Length / m, blocks = (n + BlockColumns - 1) / BlockColumns;
            Multiply(ref MemoryMarshal.GetReference(spans.A), k, ref MemoryMarshal.GetReference(spans.B), n, ref MemoryMarshal.GetReference(spans.D), n,
                     m, k, start * BlockColumns, end == blocks ? n : end * BlockColumns);
        }
    }

    /// <summary>
    /// Columns [<paramref name="first"/>, <paramref name="last"/>) of <c>c = a · b</c>, the rows of each matrix
    /// <paramref name="lda"/>, <paramref name="ldb"/> and <paramref name="ldc"/> floats apart.
    /// </summary>
    public static void Multiply(ref float a, int lda, ref float b, int ldb, ref float c, int ldc, int m, int k, int first, int last)
    {
        int lanes = TWidth.Lanes, column = first;
        for (; column + BlockColumns <= last; column += BlockColumns)
        {
            for (int r = 0; r < m; r += BlockRows)
            {
                if (BlockRows == 6)
                {
                    Block6x4(ref a, lda, ref Unsafe.Add(ref b, column), ldb, ref Unsafe.Add(ref c, column), ldc, r, m, k);
                }
                else
                {
                    Block4x3(ref a, lda, ref Unsafe.Add(ref b, column), ldb, ref Unsafe.Add(ref c, column), ldc, r, m, k);
                }
            }
        }

        for (; column + lanes <= last; column += lanes)
        {
            for (int r = 0; r < m; r++)
            {
                ref float ar = ref Unsafe.Add(ref a, (nint)r * lda);
                ref float br = ref Unsafe.Add(ref b, column);
                TVector sum = TWidth.Zero;
                for (int i = 0; i < k; i++)
                {
                    sum = TWidth.MultiplyAdd(TWidth.Create(Unsafe.Add(ref ar, i)), TWidth.Load(ref br, (nint)i * ldb), sum);
                }

                TWidth.Store(sum, ref c, ((nint)r * ldc) + column);
            }
        }

        for (; column < last; column++)
        {
            for (int r = 0; r < m; r++)
            {
                ref float ar = ref Unsafe.Add(ref a, (nint)r * lda);
                float sum = 0f;
                for (int i = 0; i < k; i++)
                {
                    sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref ar, i), Unsafe.Add(ref b, ((nint)i * ldb) + column), sum);
                }

                Unsafe.Add(ref c, ((nint)r * ldc) + column) = sum;
            }
        }
    }

    /// <summary>Rows [r, r + 6) (the last row repeated past <paramref name="m"/>) × 4 vectors of columns.</summary>
    private static void Block6x4(ref float a, int lda, ref float b, int ldb, ref float c, int ldc, int r, int m, int k)
    {
        int lanes = TWidth.Lanes, last = m - 1;
        ref float a0 = ref Unsafe.Add(ref a, (nint)r * lda);
        ref float a1 = ref Unsafe.Add(ref a, (nint)Math.Min(r + 1, last) * lda);
        ref float a2 = ref Unsafe.Add(ref a, (nint)Math.Min(r + 2, last) * lda);
        ref float a3 = ref Unsafe.Add(ref a, (nint)Math.Min(r + 3, last) * lda);
        ref float a4 = ref Unsafe.Add(ref a, (nint)Math.Min(r + 4, last) * lda);
        ref float a5 = ref Unsafe.Add(ref a, (nint)Math.Min(r + 5, last) * lda);
        TVector c00 = TWidth.Zero, c01 = TWidth.Zero, c02 = TWidth.Zero, c03 = TWidth.Zero;
        TVector c10 = TWidth.Zero, c11 = TWidth.Zero, c12 = TWidth.Zero, c13 = TWidth.Zero;
        TVector c20 = TWidth.Zero, c21 = TWidth.Zero, c22 = TWidth.Zero, c23 = TWidth.Zero;
        TVector c30 = TWidth.Zero, c31 = TWidth.Zero, c32 = TWidth.Zero, c33 = TWidth.Zero;
        TVector c40 = TWidth.Zero, c41 = TWidth.Zero, c42 = TWidth.Zero, c43 = TWidth.Zero;
        TVector c50 = TWidth.Zero, c51 = TWidth.Zero, c52 = TWidth.Zero, c53 = TWidth.Zero;
        ref float br = ref b;
        for (int i = 0; i < k; i++)
        {
            TVector b0 = TWidth.Load(ref br, 0), b1 = TWidth.Load(ref br, lanes), b2 = TWidth.Load(ref br, 2 * lanes), b3 = TWidth.Load(ref br, 3 * lanes);
            TVector x = TWidth.Create(Unsafe.Add(ref a0, i));
            c00 = TWidth.MultiplyAdd(x, b0, c00);
            c01 = TWidth.MultiplyAdd(x, b1, c01);
            c02 = TWidth.MultiplyAdd(x, b2, c02);
            c03 = TWidth.MultiplyAdd(x, b3, c03);
            x = TWidth.Create(Unsafe.Add(ref a1, i));
            c10 = TWidth.MultiplyAdd(x, b0, c10);
            c11 = TWidth.MultiplyAdd(x, b1, c11);
            c12 = TWidth.MultiplyAdd(x, b2, c12);
            c13 = TWidth.MultiplyAdd(x, b3, c13);
            x = TWidth.Create(Unsafe.Add(ref a2, i));
            c20 = TWidth.MultiplyAdd(x, b0, c20);
            c21 = TWidth.MultiplyAdd(x, b1, c21);
            c22 = TWidth.MultiplyAdd(x, b2, c22);
            c23 = TWidth.MultiplyAdd(x, b3, c23);
            x = TWidth.Create(Unsafe.Add(ref a3, i));
            c30 = TWidth.MultiplyAdd(x, b0, c30);
            c31 = TWidth.MultiplyAdd(x, b1, c31);
            c32 = TWidth.MultiplyAdd(x, b2, c32);
            c33 = TWidth.MultiplyAdd(x, b3, c33);
            x = TWidth.Create(Unsafe.Add(ref a4, i));
            c40 = TWidth.MultiplyAdd(x, b0, c40);
            c41 = TWidth.MultiplyAdd(x, b1, c41);
            c42 = TWidth.MultiplyAdd(x, b2, c42);
            c43 = TWidth.MultiplyAdd(x, b3, c43);
            x = TWidth.Create(Unsafe.Add(ref a5, i));
            c50 = TWidth.MultiplyAdd(x, b0, c50);
            c51 = TWidth.MultiplyAdd(x, b1, c51);
            c52 = TWidth.MultiplyAdd(x, b2, c52);
            c53 = TWidth.MultiplyAdd(x, b3, c53);
            br = ref Unsafe.Add(ref br, ldb);
        }

        int rows = Math.Min(6, m - r);
        ref float row = ref Unsafe.Add(ref c, (nint)r * ldc);
        Store4(c00, c01, c02, c03, ref row);
        if (rows > 1)
        {
            Store4(c10, c11, c12, c13, ref Unsafe.Add(ref row, ldc));
        }

        if (rows > 2)
        {
            Store4(c20, c21, c22, c23, ref Unsafe.Add(ref row, 2 * (nint)ldc));
        }

        if (rows > 3)
        {
            Store4(c30, c31, c32, c33, ref Unsafe.Add(ref row, 3 * (nint)ldc));
        }

        if (rows > 4)
        {
            Store4(c40, c41, c42, c43, ref Unsafe.Add(ref row, 4 * (nint)ldc));
        }

        if (rows > 5)
        {
            Store4(c50, c51, c52, c53, ref Unsafe.Add(ref row, 5 * (nint)ldc));
        }
    }

    /// <summary>Rows [r, r + 4) (the last row repeated past <paramref name="m"/>) × 3 vectors of columns.</summary>
    private static void Block4x3(ref float a, int lda, ref float b, int ldb, ref float c, int ldc, int r, int m, int k)
    {
        int lanes = TWidth.Lanes, last = m - 1;
        ref float a0 = ref Unsafe.Add(ref a, (nint)r * lda);
        ref float a1 = ref Unsafe.Add(ref a, (nint)Math.Min(r + 1, last) * lda);
        ref float a2 = ref Unsafe.Add(ref a, (nint)Math.Min(r + 2, last) * lda);
        ref float a3 = ref Unsafe.Add(ref a, (nint)Math.Min(r + 3, last) * lda);
        TVector c00 = TWidth.Zero, c01 = TWidth.Zero, c02 = TWidth.Zero;
        TVector c10 = TWidth.Zero, c11 = TWidth.Zero, c12 = TWidth.Zero;
        TVector c20 = TWidth.Zero, c21 = TWidth.Zero, c22 = TWidth.Zero;
        TVector c30 = TWidth.Zero, c31 = TWidth.Zero, c32 = TWidth.Zero;
        ref float br = ref b;
        for (int i = 0; i < k; i++)
        {
            TVector b0 = TWidth.Load(ref br, 0), b1 = TWidth.Load(ref br, lanes), b2 = TWidth.Load(ref br, 2 * lanes);
            TVector x = TWidth.Create(Unsafe.Add(ref a0, i));
            c00 = TWidth.MultiplyAdd(x, b0, c00);
            c01 = TWidth.MultiplyAdd(x, b1, c01);
            c02 = TWidth.MultiplyAdd(x, b2, c02);
            x = TWidth.Create(Unsafe.Add(ref a1, i));
            c10 = TWidth.MultiplyAdd(x, b0, c10);
            c11 = TWidth.MultiplyAdd(x, b1, c11);
            c12 = TWidth.MultiplyAdd(x, b2, c12);
            x = TWidth.Create(Unsafe.Add(ref a2, i));
            c20 = TWidth.MultiplyAdd(x, b0, c20);
            c21 = TWidth.MultiplyAdd(x, b1, c21);
            c22 = TWidth.MultiplyAdd(x, b2, c22);
            x = TWidth.Create(Unsafe.Add(ref a3, i));
            c30 = TWidth.MultiplyAdd(x, b0, c30);
            c31 = TWidth.MultiplyAdd(x, b1, c31);
            c32 = TWidth.MultiplyAdd(x, b2, c32);
            br = ref Unsafe.Add(ref br, ldb);
        }

        int rows = Math.Min(4, m - r);
        ref float row = ref Unsafe.Add(ref c, (nint)r * ldc);
        Store3(c00, c01, c02, ref row);
        if (rows > 1)
        {
            Store3(c10, c11, c12, ref Unsafe.Add(ref row, ldc));
        }

        if (rows > 2)
        {
            Store3(c20, c21, c22, ref Unsafe.Add(ref row, 2 * (nint)ldc));
        }

        if (rows > 3)
        {
            Store3(c30, c31, c32, ref Unsafe.Add(ref row, 3 * (nint)ldc));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store4(TVector c0, TVector c1, TVector c2, TVector c3, ref float row)
    {
        int lanes = TWidth.Lanes;
        TWidth.Store(c0, ref row, 0);
        TWidth.Store(c1, ref row, lanes);
        TWidth.Store(c2, ref row, 2 * lanes);
        TWidth.Store(c3, ref row, 3 * lanes);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store3(TVector c0, TVector c1, TVector c2, ref float row)
    {
        int lanes = TWidth.Lanes;
        TWidth.Store(c0, ref row, 0);
        TWidth.Store(c1, ref row, lanes);
        TWidth.Store(c2, ref row, 2 * lanes);
    }
}
