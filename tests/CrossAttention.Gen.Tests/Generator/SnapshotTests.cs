using System.Linq;
using CrossAttention.Gen.Tests.Support;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>The generated source for the SPEC §8 shapes and for the declaration forms, against golden files.</summary>
public sealed class SnapshotTests
{
    [Theory]
    [InlineData("Latent", "lq: 4, lkv: 2, d: 64, heads: 8")]
    [InlineData("Decode", "lq: 1, lkv: 32, d: 512, heads: 8")]
    [InlineData("Caption", "lq: 16, lkv: 49, d: 512, heads: 8, KvDim = 768")]
    [InlineData("Medium", "lq: 32, lkv: 256, d: 512, heads: 8")]
    [InlineData("Odd", "lq: 5, lkv: 7, d: 72, heads: 3, KvDim = 40")]
    [InlineData("HeadSize3", "lq: 2, lkv: 3, d: 6, heads: 2")]
    [InlineData("HeadSize268", "lq: 1, lkv: 3, d: 268, heads: 1, Scale = -0.5f")]
    [InlineData("Gqa", "lq: 16, lkv: 64, d: 512, heads: 8, KvHeads = 2")]
    [InlineData("LatentGrouped", "lq: 4, lkv: 2, d: 64, heads: 8, KvHeads = 2")]
    [InlineData("GqaStep", "lq: 1, lkv: 1500, d: 512, heads: 8, KvHeads = 2")]
    [InlineData("LlamaCausal", "lq: 5, lkv: 7, d: 64, heads: 4, KvHeads = 2, Causal = true")]
    public void Generated_source_matches_its_snapshot(string name, string arguments)
    {
        string source = $"using CrossAttention;\nnamespace Demo;\n[CrossAttention({arguments})]\npublic static partial class {name};\n";
        var (output, _, run) = GeneratorHarness.Run(source);
        SyntaxTree generated = Assert.Single(run.GeneratedTrees);
        Assert.EndsWith($"Demo.{name}.g.cs", generated.FilePath);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
        Snapshot.Match($"{name}.g.cs", generated.GetText().ToString());
    }

    [Fact]
    public void Nested_instance_and_global_namespace_declarations_match_their_snapshot()
    {
        const string source = """
            using CrossAttention;
            namespace Demo.Models
            {
                public static partial class Outer
                {
                    internal partial struct Holder
                    {
                        [CrossAttention(2, 3, 16, 2)]
                        internal partial class Nested { }
                    }
                }
            }

            [CrossAttention(1, 2, 8, 1)]
            partial record GlobalRecord;
            """;
        var (output, _, run) = GeneratorHarness.Run(source);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
        Assert.Equal(new[] { "Demo.Models.Outer+Holder+Nested.g.cs", "GlobalRecord.g.cs" },
                     run.GeneratedTrees.Select(t => System.IO.Path.GetFileName(t.FilePath)).Order().ToArray());
        foreach (SyntaxTree tree in run.GeneratedTrees)
        {
            Snapshot.Match(System.IO.Path.GetFileName(tree.FilePath), tree.GetText().ToString());
        }
    }
}
