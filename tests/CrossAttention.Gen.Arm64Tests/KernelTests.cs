using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.InteropServices;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Arm64Tests;

// Both layouts (heads in lanes, keys in lanes), head-size tails below and above 8, a partial key block, keys in loops;
// grouped-query heads with causal rows in both; heads in lanes over blocks of rows (8, 8 and 3); a decoder step (key rows
// in memory order on the x64 tiers, keys in lanes on Vector128).
[CrossAttention(lq: 4, lkv: 2, d: 64, heads: 8)] public static partial class Latent;
[CrossAttention(lq: 5, lkv: 7, d: 72, heads: 3, KvDim = 40)] public static partial class Odd;
[CrossAttention(lq: 4, lkv: 5, d: 12, heads: 4)] public static partial class HeadSize3;
[CrossAttention(lq: 3, lkv: 17, d: 16, heads: 2)] public static partial class SeventeenKeys;
[CrossAttention(lq: 2, lkv: 3, d: 200, heads: 2, Scale = 0.25f)] public static partial class HeadSize100;
[CrossAttention(lq: 9, lkv: 70, d: 32, heads: 2)] public static partial class KeysInLoops;
[CrossAttention(lq: 5, lkv: 7, d: 64, heads: 4, KvHeads = 2, Causal = true)] public static partial class GroupedCausal;
[CrossAttention(lq: 9, lkv: 70, d: 32, heads: 2, KvHeads = 1, Causal = true)] public static partial class KeysInLoopsGroupedCausal;
[CrossAttention(lq: 19, lkv: 3, d: 16, heads: 4)] public static partial class HeadsInLanesBlocks;
[CrossAttention(lq: 1, lkv: 40, d: 128, heads: 4)] public static partial class DecoderStep;

/// <summary>
/// The generated kernels against the float64 reference on whatever CPU runs this: x64 natively, ARM64 under QEMU. The
/// environment variables <c>CXA_EXPECT_ARCHITECTURE</c> and <c>CXA_EXPECT_PATH</c> pin what must run (CI sets them, so
/// an emulated run that silently ran x64 code, or the wrong tier, fails).
/// </summary>
public sealed class KernelTests
{
    private static readonly Dictionary<string, (CrossAttentionShape Shape, KernelPath Path, ICrossAttention Kernel)> Kernels = new()
    {
        [nameof(Latent)] = (Latent.Shape, Latent.KernelPath, CrossAttentionKernels.Resolve(Latent.Shape)),
        [nameof(Odd)] = (Odd.Shape, Odd.KernelPath, CrossAttentionKernels.Resolve(Odd.Shape)),
        [nameof(HeadSize3)] = (HeadSize3.Shape, HeadSize3.KernelPath, CrossAttentionKernels.Resolve(HeadSize3.Shape)),
        [nameof(SeventeenKeys)] = (SeventeenKeys.Shape, SeventeenKeys.KernelPath, CrossAttentionKernels.Resolve(SeventeenKeys.Shape)),
        [nameof(HeadSize100)] = (HeadSize100.Shape, HeadSize100.KernelPath, CrossAttentionKernels.Resolve(HeadSize100.Shape)),
        [nameof(KeysInLoops)] = (KeysInLoops.Shape, KeysInLoops.KernelPath, CrossAttentionKernels.Resolve(KeysInLoops.Shape)),
        [nameof(GroupedCausal)] = (GroupedCausal.Shape, GroupedCausal.KernelPath, CrossAttentionKernels.Resolve(GroupedCausal.Shape)),
        [nameof(KeysInLoopsGroupedCausal)] = (KeysInLoopsGroupedCausal.Shape, KeysInLoopsGroupedCausal.KernelPath, CrossAttentionKernels.Resolve(KeysInLoopsGroupedCausal.Shape)),
        [nameof(HeadsInLanesBlocks)] = (HeadsInLanesBlocks.Shape, HeadsInLanesBlocks.KernelPath, CrossAttentionKernels.Resolve(HeadsInLanesBlocks.Shape)),
        [nameof(DecoderStep)] = (DecoderStep.Shape, DecoderStep.KernelPath, CrossAttentionKernels.Resolve(DecoderStep.Shape)),
    };

    public static TheoryData<string> Names => new(Kernels.Keys);

    [Fact]
    public void Runs_on_the_architecture_it_was_asked_to()
    {
        string? expected = Environment.GetEnvironmentVariable("CXA_EXPECT_ARCHITECTURE");
        TestContext.Current.SendDiagnosticMessage($"architecture {RuntimeInformation.ProcessArchitecture}, Vector<float>.Count {Vector<float>.Count}");
        if (!string.IsNullOrEmpty(expected))
        {
            Assert.Equal(expected, RuntimeInformation.ProcessArchitecture.ToString(), ignoreCase: true);
        }
    }

    /// <summary>
    /// <c>CXA_EXPECT_PATH</c> names the widest path this run may take: a generic path, which every class must take, or
    /// a tier width, where each class takes its own widest tier not wider than that — the tiers a class has follow the
    /// README's rule (a wider tier only where the shape fills its vectors: a head at least one vector wide, and a whole
    /// vector of keys or every head in the lanes; the <c>Vector128</c> tier always).
    /// </summary>
    [Theory]
    [MemberData(nameof(Names))]
    public void Every_class_takes_the_path_this_CPU_and_its_switches_give(string name)
    {
        var (shape, path, kernel) = Kernels[name];
        Assert.Equal(path, kernel.Path); // Resolve finds the class's own kernel

        string? expected = Environment.GetEnvironmentVariable("CXA_EXPECT_PATH");
        TestContext.Current.SendDiagnosticMessage($"{name}: {path}");
        if (!string.IsNullOrEmpty(expected))
        {
            Assert.Equal(TierRule.TierFor(shape, Enum.Parse<KernelPath>(expected)), path);
        }
        else if (!path.IsSpecialized())
        {
            Assert.Equal(Vector.IsHardwareAccelerated ? KernelPath.GenericVector : KernelPath.GenericScalar, path);
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Attend_matches_the_float64_reference(string name)
    {
        var (shape, _, kernel) = Kernels[name];
        var random = new Random(name.Length * 31);
        const int Batch = 2;
        float[] q = Data.Uniform(random, Batch * shape.QueryLength), k = Data.Uniform(random, Batch * shape.KeyValueLength), v = Data.Uniform(random, Batch * shape.KeyValueLength);
        bool[] mask = Data.Mask(random, Batch, shape.Lkv);
        var output = new float[q.Length];
        var weights = new float[Batch * shape.WeightsLength];
        kernel.Attend(q, k, v, output, mask, weights);

        Reference.Result expected = Reference.Attend(shape, q, k, v, mask);
        Tolerance.Close(expected.Output, output, $"{name} {kernel.Path}: output");
        Tolerance.Close(expected.Weights, weights, $"{name} {kernel.Path}: weights");
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Forward_matches_the_float64_reference(string name)
    {
        var (shape, _, kernel) = Kernels[name];
        var random = new Random(name.Length * 17);
        float[] queries = Data.Uniform(random, shape.QueryLength), context = Data.Uniform(random, shape.Lkv * shape.KvDim);
        var weights = CrossAttentionWeights.CreateRandom(shape, seed: 3);
        var output = new float[queries.Length];
        kernel.Forward(queries, context, weights, output);

        Reference.Result expected = Reference.Forward(shape, queries, context, weights, null);
        Tolerance.Close(expected.Output, output, $"{name} {kernel.Path}: Forward output");

        // The decoder pattern: the same layer through a projected context — the same bits, or, where Forward attends over
        // the raw context with Wk and Wv folded in (summing in another order), within the same bound of the reference.
        var stepped = new float[queries.Length];
        kernel.Forward(queries, kernel.ProjectContext(context, weights), weights, stepped);
        if (kernel.Path.IsSpecialized() && shape.ForwardsOverContext)
        {
            Tolerance.Close(expected.Output, stepped, $"{name} {kernel.Path}: the projected-context step");
        }
        else
        {
            Assert.Equal(output, stepped);
        }
    }
}
