using System;
using System.Runtime.Intrinsics;
using CrossAttention.Gen.Tests.Support;
using CrossAttention.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// <c>Forward</c> attending over the raw context (<see cref="ContextForward{TKernel, TWidth, TVector}"/>): where the rule takes
/// it, and its outer-product kernel (<see cref="RowMajorProduct{TWidth, TVector}"/>) on its own against a float64
/// product, at every width, over row counts that end inside a register block, columns that end inside a block, a
/// vector and a lane, strided operands, and a call split over threads (the bits of one thread). The layer's own checks
/// (every kernel, every tier, masks, weights, NaN in masked rows, threads) are in the Layer tests.
/// </summary>
[Collection(nameof(GlobalParallelism))]
public sealed class ContextFoldTests : IDisposable
{
    public void Dispose()
    {
        KernelParallel.MinimumFlops = KernelParallel.DefaultMinimumFlops;
        CrossAttentionKernels.DegreeOfParallelism = 1;
    }

    public static TheoryData<string, bool> SpecShapes => new()
    {
        // Many context rows for few queries: the fold does 0.59, 0.56, 0.05 and 0.016 of the projecting work.
        { "medium", true },
        { "caption", true },
        { "decode", true },
        { "whisper", true },
        // Two context rows (latent), few of everything (odd: 0.82 of the work, 8,160 multiply-adds saved), K and V
        // shared by four heads (gqa), and causal rows keep projecting.
        { "latent", false },
        { "odd", false },
        { "gqa", false },
        { "causal", false },
    };

    [Theory]
    [MemberData(nameof(SpecShapes))]
    public void The_fold_is_taken_where_it_saves_work(string name, bool folds)
    {
        CrossAttentionShape shape = name switch
        {
            "medium" => new(32, 256, 512, 8),
            "caption" => new(16, 49, 512, 8, kvDim: 768),
            "decode" => new(1, 32, 512, 8),
            "whisper" => new(1, 1500, 384, 6),
            "latent" => new(4, 2, 64, 8),
            "odd" => new(5, 7, 72, 3, kvDim: 40),
            "gqa" => new(16, 64, 512, 8, kvHeads: 2),
            _ => new(32, 256, 512, 8, causal: true),
        };
        Assert.Equal(folds, shape.ForwardsOverContext);
    }

    [Fact]
    public void The_fold_saves_what_the_rule_says_it_saves()
    {
        // The multiply-adds of each form, counted loop by loop, at shapes either side of the rule's bounds (the last two: a
        // decoder step over half a million context rows, whose fold buffers fit a thread's scratch, and one over more).
        foreach ((int lq, int lkv, int d, int heads, int kvDim, int kvHeads) in new[]
                 {
                     (32, 256, 512, 8, 512, 8), (1, 32, 128, 4, 128, 4), (5, 7, 72, 3, 40, 3), (6, 12, 96, 4, 80, 4),
                     (16, 64, 512, 8, 512, 2), (2, 8, 128, 2, 128, 2), (4, 6, 48, 4, 48, 4), (3, 200, 32, 4, 32, 2),
                     (1, 500_000, 512, 8, 512, 8), (1, 530_000, 512, 8, 512, 8),
                 })
        {
            int dh = d / heads;
            long projecting = 0, folded = 0;
            for (int j = 0; j < lkv; j++)
            {
                projecting += 2L * kvHeads * dh * kvDim; // one context row into a key and a value
            }

            projecting += 2L * heads * lq * lkv * dh; // scores and P·V
            for (int h = 0; h < heads; h++)
            {
                folded += 2L * lq * dh * kvDim;        // Q_h·Wk_g and Z_h·Wv_gᵀ
                folded += 2L * lq * lkv * kvDim;       // scores and P·C over the context's width
            }

            bool expected = 4 * folded <= 3 * projecting && projecting - folded >= 65536 // ShapeRules.MinimumFoldSaving
                            && (long)heads * lq * (lkv + kvDim) <= 4 << 20; // ShapeRules.MaximumFoldBuffer
            Assert.Equal(expected, new CrossAttentionShape(lq, lkv, d, heads, kvDim, kvHeads: kvHeads).ForwardsOverContext);
        }
    }

    public static TheoryData<int, int> Sizes => new()
    {
        { 1, 1 },
        { 7, 15 },
        { 64, 16 },
        { 64, 17 },
        { 33, 63 },
        { 8, 64 },
        { 49, 65 },
        { 64, 100 },
        { 256, 200 },
        { 3, 768 },
    };

    [Theory]
    [MemberData(nameof(Sizes))]
    public void The_512_bit_product_matches_the_reference(int k, int n) =>
        Sweep<Width512, Vector512<float>>(k, n, "512");

    [Theory]
    [MemberData(nameof(Sizes))]
    public void The_256_bit_product_matches_the_reference(int k, int n) =>
        Sweep<Width256, Vector256<float>>(k, n, "256");

    [Theory]
    [MemberData(nameof(Sizes))]
    public void The_128_bit_product_matches_the_reference(int k, int n) =>
        Sweep<Width128, Vector128<float>>(k, n, "128");

    [Fact]
    public void A_product_split_over_threads_computes_the_bits_of_one_thread()
    {
        KernelParallel.MinimumFlops = 0;
        var random = new Random(5);
        const int m = 13, k = 70, n = 333;
        float[] a = Data.Uniform(random, m * k), b = Data.Uniform(random, k * n, 1f / MathF.Sqrt(k));
        float[] one = new float[m * n], two = new float[m * n];
        RowMajorProduct<Width512, Vector512<float>>.Multiply(a, b, one, m);
        CrossAttentionKernels.DegreeOfParallelism = 2;
        long before = WorkerPool.SplitCalls;
        RowMajorProduct<Width512, Vector512<float>>.Multiply(a, b, two, m);
        Assert.True(WorkerPool.SplitCalls > before, "the call was not split");
        ReferenceCheck.Bitwise(one, two, $"{m} × {k} · {k} × {n} on two threads");
        Tolerance.Close(Product(a, k, b, n, m, k, n), two, $"{m} × {k} · {k} × {n} on two threads");
    }

    /// <summary>
    /// Every row count from 1 to 14 (inside and past both register blocks) of <c>A · B</c>, contiguous, then with A, B
    /// and C in wider rows (columns of a larger matrix, as the fold reads a head's columns of the queries): values land
    /// only in C's own columns.
    /// </summary>
    private static void Sweep<TWidth, TVector>(int k, int n, string width)
        where TWidth : struct, IVectorWidth<TVector>
        where TVector : struct
    {
        // B as nn.Linear weights are drawn (U(±1/√k)), so sums stay near 1 and SPEC §6's bound is float rounding's.
        var random = new Random((k * 1000) + n);
        float bound = 1f / MathF.Sqrt(k);
        for (int m = 1; m <= 14; m++)
        {
            float[] a = Data.Uniform(random, m * k), b = Data.Uniform(random, k * n, bound), c = new float[m * n];
            RowMajorProduct<TWidth, TVector>.Multiply(a, b, c, m);
            Tolerance.Close(Product(a, k, b, n, m, k, n), c, $"{width}-bit, {m} × {k} · {k} × {n}");

            // Strided: A's rows 3 floats wider, B's 5, C's 7 (a sentinel in C's extra columns must stay).
            int lda = k + 3, ldb = n + 5, ldc = n + 7;
            float[] wideA = Data.Uniform(random, m * lda), wideB = Data.Uniform(random, k * ldb, bound), wideC = new float[m * ldc];
            wideC.AsSpan().Fill(-7f);
            RowMajorProduct<TWidth, TVector>.Multiply(ref wideA[0], lda, ref wideB[0], ldb, ref wideC[0], ldc, m, k, 0, n);
            double[] expected = Product(wideA, lda, wideB, ldb, m, k, n);
            float[] actual = new float[m * n];
            for (int r = 0; r < m; r++)
            {
                wideC.AsSpan(r * ldc, n).CopyTo(actual.AsSpan(r * n));
                Assert.True(wideC.AsSpan((r * ldc) + n, 7).IndexOfAnyExcept(-7f) < 0, $"{width}-bit strided: row {r} written past column {n}");
            }

            Tolerance.Close(expected, actual, $"{width}-bit strided, {m} × {k} · {k} × {n}");
        }
    }

    private static double[] Product(float[] a, int lda, float[] b, int ldb, int m, int k, int n)
    {
        var c = new double[m * n];
        for (int r = 0; r < m; r++)
        {
            for (int col = 0; col < n; col++)
            {
                double sum = 0;
                for (int i = 0; i < k; i++)
                {
                    sum += (double)a[(r * lda) + i] * b[(i * ldb) + col];
                }

                c[(r * n) + col] = sum;
            }
        }

        return c;
    }
}
