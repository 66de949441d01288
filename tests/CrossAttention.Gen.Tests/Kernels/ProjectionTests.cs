using System;
using System.Linq;
using System.Runtime.Intrinsics.X86;
using CrossAttention.Gen.Tests.Support;
using CrossAttention.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// The runtime's projection kernels, <c>y = x·Wᵀ + b</c>, on their own against the float64 reference, over row, input
/// and output counts chosen so every block, tail and hand-over runs: for <see cref="PanelLinear{TKernel}"/> on AVX-512
/// (AVX2), whole 32-row (16-row) panels, one-vector panels, panels of 17–31 (9–15) and of 8–15 (4–7) rows (zero lanes),
/// 1–7 (1–3) rows left to the dot-product kernel (tile by tile, after the panels, and with the last chunk), inputs that
/// end inside a 16 × 16 (8 × 8) transpose, outputs that end inside a 12-output (6-output) block and inside a staged
/// vector's worth, a last group of outputs narrower than a block (100 = 48 + 48 + 4), W wider than one tile, and more
/// rows than one packed chunk (256).
/// Values are written only inside y (a sentinel after it stays), and a call split over threads computes the bits of
/// one thread, whether threads take ranges of outputs or (with more than 256 rows) chunks of rows.
/// </summary>
[Collection(nameof(GlobalParallelism))]
public sealed class ProjectionTests : IDisposable
{
    private static readonly int[] Rows = [1, 3, 7, 8, 9, 11, 12, 13, 15, 16, 17, 20, 23, 24, 27, 31, 32, 33, 40, 47, 48, 49, 55, 64, 65, 97, 275, 300];

    public static TheoryData<int, int> Sizes => new()
    {
        { 128, 12 },
        { 129, 13 },
        { 143, 35 },
        { 200, 24 },
        { 256, 100 },
        { 512, 37 },
        { 1024, 100 },
        { 40, 30 },
    };

    public void Dispose()
    {
        KernelParallel.MinimumFlops = KernelParallel.DefaultMinimumFlops;
        CrossAttentionKernels.DegreeOfParallelism = 1;
    }

    private delegate void Projection(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void The_512_bit_projection_matches_the_reference_at_every_row_count(int inputs, int outputs) =>
        Sweep(Vector512Primitives.Project, inputs, outputs, "Vector512Primitives.Project");

    [Theory]
    [MemberData(nameof(Sizes))]
    public void The_AVX_512_panel_kernel_matches_the_reference_wherever_it_is_taken(int inputs, int outputs) =>
        PanelSweep<Avx512Panel>(Avx512F.IsSupported, 16, 12, inputs, outputs);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void The_AVX2_panel_kernel_matches_the_reference_wherever_it_is_taken(int inputs, int outputs) =>
        PanelSweep<Avx2Panel>(Avx2.IsSupported && Fma.IsSupported, 8, 6, inputs, outputs);

    [Theory]
    [MemberData(nameof(Sizes))]
    public void The_256_and_128_bit_projections_match_the_reference(int inputs, int outputs)
    {
        Sweep(Vector256Primitives.Project, inputs, outputs, "Vector256Primitives.Project");
        Sweep(Vector128Primitives.Project, inputs, outputs, "Vector128Primitives.Project");
    }

    [Theory]
    [InlineData(49, 512, 100)]
    [InlineData(64, 143, 35)]
    [InlineData(20, 256, 37)]
    [InlineData(600, 128, 24)]
    [InlineData(275, 1024, 100)]
    public void A_split_projection_computes_the_bits_of_one_thread(int rows, int inputs, int outputs)
    {
        Split(Vector512Primitives.Project, rows, inputs, outputs, "Vector512Primitives.Project");
        Split(Vector256Primitives.Project, rows, inputs, outputs, "Vector256Primitives.Project");
    }

    [Theory]
    [InlineData(16, 128, 12)]
    [InlineData(49, 768, 100)]
    [InlineData(33, 143, 35)]
    [InlineData(300, 256, 37)]
    public void A_pair_of_projections_gives_the_bits_of_each_alone(int rows, int inputs, int outputs)
    {
        Pair(Vector512Primitives.ProjectPair, Vector512Primitives.Project, rows, inputs, outputs, "Vector512Primitives");
        Pair(Vector256Primitives.ProjectPair, Vector256Primitives.Project, rows, inputs, outputs, "Vector256Primitives");
        Pair(Vector128Primitives.ProjectPair, Vector128Primitives.Project, rows, inputs, outputs, "Vector128Primitives");
    }

    private delegate void PairProjection(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w1, ReadOnlySpan<float> b1, Span<float> y1,
                                         ReadOnlySpan<float> w2, ReadOnlySpan<float> b2, Span<float> y2);

    /// <summary>Both outputs of a pair call, on one thread and on two, bit for bit those of two single calls.</summary>
    private static void Pair(PairProjection pair, Projection single, int rows, int inputs, int outputs, string what)
    {
        var random = new Random(rows * 7 + inputs + outputs);
        (float[] x, float[] w1, float[] b1) = Inputs(random, rows, inputs, outputs);
        (_, float[] w2, float[] b2) = Inputs(random, rows, inputs, outputs);
        float[] alone1 = new float[rows * outputs], alone2 = new float[rows * outputs];
        single(x, rows, w1, b1, alone1);
        single(x, rows, w2, b2, alone2);
        foreach (int threads in new[] { 1, 2 })
        {
            CrossAttentionKernels.DegreeOfParallelism = threads;
            KernelParallel.MinimumFlops = 0;
            float[] y1 = new float[rows * outputs], y2 = new float[rows * outputs];
            pair(x, rows, w1, b1, y1, w2, b2, y2);
            ReferenceCheck.Bitwise(alone1, y1, $"{what}.ProjectPair's first, {rows} × {inputs} → {outputs}, {threads} thread(s)");
            ReferenceCheck.Bitwise(alone2, y2, $"{what}.ProjectPair's second, {rows} × {inputs} → {outputs}, {threads} thread(s)");
            CrossAttentionKernels.DegreeOfParallelism = 1;
            KernelParallel.MinimumFlops = KernelParallel.DefaultMinimumFlops;
        }

        Tolerance.Close(Reference.Linear(Widen(x), w2, b2, inputs, outputs), alone2, $"{what}.Project, {rows} × {inputs} → {outputs}");
    }

    private static void Split(Projection project, int rows, int inputs, int outputs, string what)
    {
        KernelParallel.MinimumFlops = 0;
        var random = new Random(rows + inputs + outputs);
        (float[] x, float[] w, float[] b) = Inputs(random, rows, inputs, outputs);
        CrossAttentionKernels.DegreeOfParallelism = 1;
        float[] one = new float[rows * outputs];
        project(x, rows, w, b, one);
        CrossAttentionKernels.DegreeOfParallelism = 2;
        float[] two = new float[rows * outputs];
        long before = WorkerPool.SplitCalls;
        project(x, rows, w, b, two);
        Assert.True(WorkerPool.SplitCalls > before, $"{what}: the call was not split");
        ReferenceCheck.Bitwise(one, two, $"{what}: {rows} × {inputs} → {outputs} on two threads");
        Tolerance.Close(Reference.Linear(Widen(x), w, b, inputs, outputs), two, $"{what}: {rows} × {inputs} → {outputs} on two threads");
    }

    /// <summary>Where the panel kernel of one instruction set is taken, and what it computes there.</summary>
    private static void PanelSweep<TKernel>(bool supported, int minimumRows, int blockOutputs, int inputs, int outputs)
        where TKernel : struct, IPanelKernel
    {
        foreach (int rows in Rows)
        {
            Assert.Equal(supported && rows >= minimumRows && inputs >= 128 && outputs >= blockOutputs, PanelLinear<TKernel>.Accepts(rows, inputs, outputs));
        }

        int[] taken = Rows.Where(r => PanelLinear<TKernel>.Accepts(r, inputs, outputs)).ToArray();
        if (taken.Length > 0)
        {
            Sweep(PanelLinear<TKernel>.Project, inputs, outputs, $"PanelLinear<{typeof(TKernel).Name}>.Project", taken);
        }
    }

    private static void Sweep(Projection project, int inputs, int outputs, string what, int[]? rowCounts = null)
    {
        var random = new Random((inputs * 31) + outputs);
        foreach (int rows in rowCounts ?? Rows)
        {
            (float[] x, float[] w, float[] b) = Inputs(random, rows, inputs, outputs);
            const int Sentinels = 40;
            float[] y = Data.Filled((rows * outputs) + Sentinels, float.NaN);
            project(x, rows, w, b, y.AsSpan(0, rows * outputs));
            Tolerance.Close(Reference.Linear(Widen(x), w, b, inputs, outputs), y[..(rows * outputs)], $"{what}: {rows} × {inputs} → {outputs}");
            Assert.True(y[(rows * outputs)..].All(float.IsNaN), $"{what}: {rows} × {inputs} → {outputs} wrote past y");
        }
    }

    /// <summary>x in [−1, 1]; W and b as <c>nn.Linear</c> initializes them, in [−1/√inputs, 1/√inputs].</summary>
    private static (float[] X, float[] W, float[] B) Inputs(Random random, int rows, int inputs, int outputs)
    {
        float bound = 1f / MathF.Sqrt(inputs);
        return (Data.Uniform(random, rows * inputs), Data.Uniform(random, outputs * inputs, bound), Data.Uniform(random, outputs, bound));
    }

    private static double[] Widen(float[] values) => values.Select(v => (double)v).ToArray();
}
