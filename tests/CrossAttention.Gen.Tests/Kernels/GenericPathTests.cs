using System;
using System.Collections.Generic;
using CrossAttention.Gen.Tests.Support;
using CrossAttention.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// The generic kernel on shapes chosen to run every branch of its vector path, both generic paths, against the
/// float64 reference: fewer than four keys (scores taken as (row, key) pairs that cross rows), four-key blocks with
/// and without a partial block, head sizes under, at and past a vector with tails, query rows split over several
/// score blocks, and rows too long for more than one row per block; grouped-query heads (a key/value head shared by
/// several query heads, down to one for all) and causal rows (each scoring only the keys it sees, including a row whose
/// only visible key is masked); a row of scores too long for the stack; with and without mask and weights, batch 2.
/// Then what holds on either path whatever the shape: one attended key reproduces its value row bit for bit, the
/// constructor's checks, and a call split over threads computes the same bits as one thread.
/// </summary>
public sealed class GenericPathTests
{
    public static TheoryData<int, int, int, int, int, bool> Shapes => new()
    {
        { 3, 1, 8, 8, 0, false },      // one key: every pair its own row
        { 3, 2, 6, 2, 0, false },      // two keys, head size 3: pairs cross rows, scalar columns only
        { 5, 3, 34, 2, 0, false },     // three keys, head size 17: two vectors and a tail
        { 2, 4, 16, 2, 0, false },     // exactly one four-key block
        { 7, 7, 72, 3, 0, false },     // a block and a three-key tail, head size 24
        { 5, 300, 16, 1, 0, false },   // 1024 / 300 = 3 rows per score block: a full block and a partial one
        { 2, 1100, 9, 1, 0, false },   // more keys than a block holds: one row per block, head size 9
        { 2, 5000, 8, 2, 0, false },   // a row longer than the stack's score buffer: scores in the thread's scratch
        { 9, 5, 1, 1, 0, false },      // head size 1
        { 3, 2, 6, 2, 1, false },      // multi-query: both heads read one key/value head, pairs crossing rows
        { 4, 9, 72, 6, 2, false },     // three query heads per key/value head, head size 12
        { 5, 5, 16, 2, 0, true },      // causal, square: row i sees keys 0..i
        { 3, 3, 16, 4, 2, true },      // causal with fewer than four keys, grouped heads
        { 4, 7, 72, 6, 3, true },      // causal, lower-right: row 0 sees 4 keys; a block and a tail
        { 7, 300, 16, 2, 1, true },    // causal over several score blocks, multi-query
    };

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_the_float64_reference_on_both_generic_paths(int lq, int lkv, int d, int heads, int kvHeads, bool causal)
    {
        var shape = new CrossAttentionShape(lq, lkv, d, heads, kvHeads: kvHeads, causal: causal);
        const int batch = 2;
        var random = new Random(HashCode.Combine(lq, lkv, d, heads, kvHeads, causal));
        float[] q = Data.Uniform(random, batch * shape.QueryLength);
        float[] k = Data.Uniform(random, batch * shape.KeyValueLength);
        float[] v = Data.Uniform(random, batch * shape.KeyValueLength);
        var masks = new List<bool[]?> { null, Data.Mask(random, batch, lkv) };
        if (lkv > 1)
        {
            masks.Add(Data.Mask(random, batch, lkv, fullyMaskedItem: 1));

            // Key 0 masked: a causal square shape's row 0 sees only key 0, so it has no key left (zeros).
            bool[] firstMasked = new bool[batch * lkv];
            Array.Fill(firstMasked, true);
            firstMasked[0] = firstMasked[lkv] = false;
            masks.Add(firstMasked);
        }

        foreach (bool[]? mask in masks)
        {
            Reference.Result expected = Reference.Attend(shape, q, k, v, mask);
            foreach (KernelPath path in new[] { KernelPath.GenericVector, KernelPath.GenericScalar })
            {
                var kernel = new GenericCrossAttention(shape, path);
                string what = $"{shape} {path}, {(mask is null ? "no mask" : "masked")}";
                var output = new float[q.Length];
                var weights = new float[batch * shape.WeightsLength];
                kernel.Attend(q, k, v, output, mask, weights);
                Tolerance.Close(expected.Output, output, what + ": output");
                Tolerance.Close(expected.Weights, weights, what + ": weights");

                var withoutWeights = new float[q.Length];
                kernel.Attend(q, k, v, withoutWeights, mask, default);
                Assert.Equal(output, withoutWeights);
            }
        }
    }

    /// <summary>
    /// With one key attended its probability is exactly 1, and the sums start at −0 (the identity of +), so the output is
    /// the value row bit for bit, −0 included: in whole vectors and in the tail columns (head size 9), on both paths.
    /// </summary>
    [Fact]
    public void One_attended_key_reproduces_its_value_row_bit_for_bit_on_both_paths()
    {
        var shape = new CrossAttentionShape(lq: 3, lkv: 4, d: 18, heads: 2);
        var random = new Random(31);
        float[] q = Data.Uniform(random, shape.QueryLength);
        float[] k = Data.Uniform(random, shape.KeyValueLength);
        float[] v = Data.Uniform(random, shape.KeyValueLength);
        const int Attended = 2;
        bool[] mask = [false, false, true, false];
        int valueRow = Attended * shape.D;
        v[valueRow + 1] = -0f;  // head 0, a vector column
        v[valueRow + 8] = -0f;  // head 0, its tail column
        v[valueRow + 17] = -0f; // head 1, its tail column
        foreach (KernelPath path in new[] { KernelPath.GenericVector, KernelPath.GenericScalar })
        {
            var output = new float[q.Length];
            new GenericCrossAttention(shape, path).Attend(q, k, v, output, mask, default);
            for (int i = 0; i < shape.Lq; i++)
            {
                for (int c = 0; c < shape.D; c++)
                {
                    float expected = v[valueRow + c], actual = output[(i * shape.D) + c];
                    Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(actual),
                                $"{path}: row {i} column {c}: expected {expected:R}, got {actual:R}");
                }
            }
        }
    }

    [Fact]
    public void The_constructor_checks_its_arguments_and_reports_its_path()
    {
        var shape = new CrossAttentionShape(2, 3, 16, 2);
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => new GenericCrossAttention(null!)).ParamName);
        foreach (KernelPath specialized in new[] { KernelPath.Specialized128, KernelPath.Specialized256, KernelPath.Specialized512 })
        {
            Assert.Equal("path", Assert.Throws<ArgumentOutOfRangeException>(() => new GenericCrossAttention(shape, specialized)).ParamName);
        }

        Assert.Equal(KernelPath.GenericVector, new GenericCrossAttention(shape, KernelPath.GenericVector).Path);
        Assert.Equal(KernelPath.GenericScalar, new GenericCrossAttention(shape, KernelPath.GenericScalar).Path);
        Assert.Equal(GenericCrossAttention.DefaultPath, new GenericCrossAttention(shape).Path);
        Assert.Same(shape, new GenericCrossAttention(shape).Shape);
    }
}

/// <summary>
/// The generic kernel split over threads (every call split, whatever its size): <c>Attend</c>, <c>Forward</c> and the
/// projected-context step compute the bits one thread computes, and match the float64 reference.
/// </summary>
[Collection(nameof(GlobalParallelism))]
public sealed class GenericSplitTests : IDisposable
{
    public GenericSplitTests() => KernelParallel.MinimumFlops = 0;

    public void Dispose()
    {
        KernelParallel.MinimumFlops = KernelParallel.DefaultMinimumFlops;
        CrossAttentionKernels.DegreeOfParallelism = 1;
    }

    [Theory]
    [InlineData(KernelPath.GenericVector)]
    [InlineData(KernelPath.GenericScalar)]
    public void A_split_call_computes_the_bits_of_one_thread(KernelPath path)
    {
        var shape = new CrossAttentionShape(5, 7, 24, 3, kvDim: 20);
        var kernel = new GenericCrossAttention(shape, path);
        const int Batch = 3;
        var random = new Random(47);
        float[] q = Data.Uniform(random, Batch * shape.QueryLength);
        float[] k = Data.Uniform(random, Batch * shape.KeyValueLength);
        float[] v = Data.Uniform(random, Batch * shape.KeyValueLength);
        float[] context = Data.Uniform(random, Batch * shape.Lkv * shape.KvDim);
        bool[] mask = Data.Mask(random, Batch, shape.Lkv);
        var weights = CrossAttentionWeights.CreateRandom(shape, 47);

        (float[] Attend, float[] Forward, float[] Step) Run(int threads)
        {
            CrossAttentionKernels.DegreeOfParallelism = threads;
            float[] attend = new float[q.Length], forward = new float[q.Length], step = new float[q.Length];
            kernel.Attend(q, k, v, attend, mask, default);
            kernel.Forward(q, context, weights, forward, mask, default);
            kernel.Forward(q, kernel.ProjectContext(context, weights), weights, step, mask, default);
            return (attend, forward, step);
        }

        var one = Run(1);
        long splitBefore = WorkerPool.SplitCalls;
        var two = Run(2);
        Assert.True(WorkerPool.SplitCalls > splitBefore, "no call was split");
        ReferenceCheck.Bitwise(one.Attend, two.Attend, $"{path} split: Attend");
        ReferenceCheck.Bitwise(one.Forward, two.Forward, $"{path} split: Forward");
        ReferenceCheck.Bitwise(one.Step, two.Step, $"{path} split: projected-context step");
        Tolerance.Close(Reference.Attend(shape, q, k, v, mask).Output, two.Attend, $"{path} split: Attend");
        Tolerance.Close(Reference.Forward(shape, q, context, weights, mask).Output, two.Forward, $"{path} split: Forward");
    }
}
