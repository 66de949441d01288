using System;
using System.Linq;
using CrossAttention.Gen.Tests.Support;
using CsCheck;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

// Inside the namespace: "Gen" alone would be this project's CrossAttention.Gen namespace.
using Gen = CsCheck.Gen;

/// <summary>
/// Property-based tests (CsCheck): random valid shapes, batches, masks, scales, <c>KvDim</c>, <c>KvHeads</c> and
/// <c>Causal</c> through both generic paths, and random calls of every generated kernel on every tier, against the
/// float64 reference. A failure is shrunk to the smallest case CsCheck finds (fewest heads, shortest rows, smallest
/// batch) and reported with its seed: <c>CsCheck_Seed=&lt;seed&gt;</c> replays it, <c>CsCheck_Iter=&lt;n&gt;</c> runs more.
/// </summary>
public sealed class PropertyTests
{
    /// <summary>A call: the shape, the batch, the fraction of keys masked (percent) and the seed of the data.</summary>
    public sealed record Call(CrossAttentionShape Shape, int Batch, int MaskedPercent, int DataSeed)
    {
        public override string ToString() => $"{Shape}{(Shape.KvHeads != Shape.Heads ? $", KvHeads={Shape.KvHeads}" : "")}{(Shape.Causal ? ", causal" : "")}; batch {Batch}, {MaskedPercent}% masked, data seed {DataSeed}";
    }

    /// <summary>Valid shapes of every kind: head sizes 1–40 (every tail), 1–4 heads, grouped heads, KvDim, scales, causal.</summary>
    private static readonly Gen<CrossAttentionShape> Shapes =
        from heads in Gen.Int[1, 4]
        from headSize in Gen.Int[1, 40]
        from groupIndex in Gen.Int[0, 3]
        from lq in Gen.Int[1, 8]
        from lkv in Gen.Int[1, 40]
        from kvDim in Gen.Int[0, 80]
        from scale in Gen.Int[-20, 20]
        from causal in Gen.Bool
        let divisors = Enumerable.Range(1, heads).Where(n => heads % n == 0).ToArray()
        select new CrossAttentionShape(lq, lkv, heads * headSize, heads, kvDim, scale / 8f, divisors[groupIndex % divisors.Length], causal && lq <= lkv);

    private static readonly Gen<Call> GenericCalls =
        from shape in Shapes
        from batch in Gen.Int[0, 3]
        from masked in Gen.Int[0, 100]
        from seed in Gen.Int[0, 1000]
        select new Call(shape, batch, masked, seed);

    [Fact]
    public void The_generic_paths_match_the_reference_on_random_shapes_and_calls()
    {
        GenericCalls.Sample(call =>
        {
            Check(call, new GenericCrossAttention(call.Shape, KernelPath.GenericVector), "generic vector");
            Check(call, new GenericCrossAttention(call.Shape, KernelPath.GenericScalar), "generic scalar");
        }, iter: 300);
    }

    private static readonly string[] KernelNames = TestKernels.All.Keys.Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public void Every_generated_kernel_on_every_tier_matches_the_reference_on_random_calls()
    {
        Gen<(string Name, int Tier, int Batch, int Masked, int Seed)> calls =
            Gen.Select(Gen.Int[0, KernelNames.Length - 1], Gen.Int[0, 2], Gen.Int[0, 3], Gen.Int[0, 100], Gen.Int[0, 1000])
                .Select(t => (KernelNames[t.Item1], t.Item2, t.Item3, t.Item4, t.Item5));
        calls.Sample(c =>
        {
            var tiers = TestKernels.Tiers(TestKernels.Get(c.Name).Shape).ToArray();
            (KernelPath tier, ICrossAttention kernel) = tiers[c.Tier % tiers.Length];
            Check(new Call(kernel.Shape, c.Batch, c.Masked, c.Seed), kernel, $"{c.Name} on {tier}");
        }, iter: 400);
    }

    /// <summary>Attend (mask and weights out) and Forward on one call against the float64 reference.</summary>
    private static void Check(Call call, ICrossAttention kernel, string path)
    {
        var random = new Random(call.DataSeed);
        bool[] mask = new bool[call.Batch * call.Shape.Lkv];
        for (int j = 0; j < mask.Length; j++)
        {
            mask[j] = random.Next(100) >= call.MaskedPercent;
        }

        ReferenceCheck.AttendAndForward(kernel, call.Batch, mask, random, call.DataSeed, path);
    }
}
