using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using CrossAttention.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>SPEC §7: unrelated edits regenerate nothing; a shape change regenerates; no step output pins a compilation.</summary>
public sealed class IncrementalTests
{
    private const string Kernels = """
        using CrossAttention;
        namespace Demo;
        [CrossAttention(4, 2, 64, 8)] public static partial class Latent;
        [CrossAttention(32, 256, 512, 8)] public static partial class Medium;
        """;

    private const string Other = "namespace Demo; public static class Helpers { public static int Twice(int x) => 2 * x; }";

    private static readonly string[] TrackedSteps =
    {
        CrossAttentionGenerator.TrackingNames.Parse,
        CrossAttentionGenerator.TrackingNames.Diagnostics,
        CrossAttentionGenerator.TrackingNames.FileNames,
        CrossAttentionGenerator.TrackingNames.Plans,
    };

    /// <summary>Runs the generator on <paramref name="before"/>, then on the edited compilation, and returns the second run.</summary>
    private static GeneratorRunResult RunTwice(Compilation before, Func<Compilation, Compilation> edit)
    {
        GeneratorDriver driver = GeneratorHarness.CreateDriver().RunGenerators(before);
        AssertNoCompilationObjects(driver.GetRunResult().Results[0]);
        driver = driver.RunGenerators(edit(before.Clone()));
        return driver.GetRunResult().Results[0];
    }

    private static void AssertAllCached(GeneratorRunResult result)
    {
        foreach (string step in TrackedSteps)
        {
            Assert.True(result.TrackedSteps.TryGetValue(step, out var runs), $"step {step} was not tracked");
            foreach (var output in runs.SelectMany(run => run.Outputs))
            {
                Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged,
                            $"step {step} was {output.Reason}");
            }
        }

        Assert.All(result.TrackedOutputSteps.SelectMany(s => s.Value).SelectMany(run => run.Outputs),
                   output => Assert.Equal(IncrementalStepRunReason.Cached, output.Reason));
    }

    [Fact]
    public void An_unrelated_file_edit_leaves_every_step_cached()
    {
        Compilation compilation = GeneratorHarness.Compile("Test", Kernels, Other);
        GeneratorRunResult result = RunTwice(compilation, c =>
        {
            SyntaxTree old = c.SyntaxTrees.Single(t => t.ToString().Contains("Helpers"));
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Other.Replace("2 * x", "x + x"), GeneratorHarness.ParseOptions, old.FilePath));
        });
        AssertAllCached(result);
    }

    [Fact]
    public void A_new_unrelated_file_leaves_every_step_cached()
    {
        Compilation compilation = GeneratorHarness.Compile("Test", Kernels, Other);
        AssertAllCached(RunTwice(compilation, c => c.AddSyntaxTrees(
            CSharpSyntaxTree.ParseText("namespace Demo; internal sealed class Extra { }", GeneratorHarness.ParseOptions, "Extra.cs"))));
    }

    [Fact]
    public void A_comment_above_the_kernels_regenerates_no_source()
    {
        Compilation compilation = GeneratorHarness.Compile("Test", Kernels, Other);
        GeneratorRunResult result = RunTwice(compilation, c =>
        {
            SyntaxTree old = c.SyntaxTrees.Single(t => t.ToString().Contains("Latent"));
            string edited = Kernels.Replace("namespace Demo;", "namespace Demo;\n// Attention kernels of the demo, with a comment that moves them down.\n");
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, old.FilePath));
        });

        // The diagnostics branch holds locations, so Medium's CXA0100 moves with it; source steps stay cached.
        foreach (string step in new[] { CrossAttentionGenerator.TrackingNames.Plans })
        {
            Assert.All(result.TrackedSteps[step].SelectMany(run => run.Outputs),
                       output => Assert.True(output.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {output.Reason}"));
        }

        // Each source output's value is (generated sources, diagnostics): only the diagnostics output may rerun.
        var outputs = result.TrackedOutputSteps["SourceOutput"].SelectMany(run => run.Outputs).ToList();
        Assert.Equal(2, outputs.Count(o => o.Reason == IncrementalStepRunReason.Cached));
        Assert.All(outputs.Where(o => o.Reason != IncrementalStepRunReason.Cached), o =>
        {
            var sources = (IEnumerable)o.Value.GetType().GetField("Item1")!.GetValue(o.Value)!;
            Assert.Empty(sources);
        });
    }

    [Fact]
    public void A_comment_below_the_kernels_leaves_every_step_cached()
    {
        Compilation compilation = GeneratorHarness.Compile("Test", Kernels, Other);
        AssertAllCached(RunTwice(compilation, c =>
        {
            SyntaxTree old = c.SyntaxTrees.Single(t => t.ToString().Contains("Latent"));
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Kernels + "// end of kernels\n", GeneratorHarness.ParseOptions, old.FilePath));
        }));
    }

    [Fact]
    public void A_shape_change_regenerates_that_class_only()
    {
        Compilation compilation = GeneratorHarness.Compile("Test", Kernels, Other);
        GeneratorRunResult result = RunTwice(compilation, c =>
        {
            SyntaxTree old = c.SyntaxTrees.Single(t => t.ToString().Contains("Latent"));
            return c.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Kernels.Replace("(4, 2, 64, 8)", "(4, 3, 64, 8)"), GeneratorHarness.ParseOptions, old.FilePath));
        });

        var plans = result.TrackedSteps[CrossAttentionGenerator.TrackingNames.Plans].SelectMany(run => run.Outputs).ToList();
        Assert.Contains(plans, o => o.Reason == IncrementalStepRunReason.Modified);
        Assert.Contains(plans, o => o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged);
        Assert.Contains("Lkv=3", result.GeneratedSources.Single(s => s.HintName == "Demo.Latent.g.cs").SourceText.ToString());
    }

    /// <summary>Walks our steps' outputs and fails on anything that would pin a compilation in the cache.</summary>
    private static void AssertNoCompilationObjects(GeneratorRunResult result)
    {
        foreach (string step in TrackedSteps)
        {
            if (!result.TrackedSteps.TryGetValue(step, out var runs))
            {
                continue; // Diagnostics has no output when no class has one
            }

            foreach (var (value, _) in runs.SelectMany(run => run.Outputs))
            {
                Visit(value, step, new HashSet<object>(ReferenceEqualityComparer.Instance));
            }
        }
    }

    private static void Visit(object? node, string path, HashSet<object> seen)
    {
        if (node is null || node is string || node.GetType().IsPrimitive || node.GetType().IsEnum || !seen.Add(node))
        {
            return;
        }

        Assert.False(node is Compilation or ISymbol or SyntaxNode or SyntaxTree or SemanticModel,
                     $"{path} holds a {node.GetType().Name}, which pins the compilation");
        if (node is DiagnosticDescriptor)
        {
            return; // a value type in all but name: strings and enums
        }

        if (node is IEnumerable items)
        {
            int i = 0;
            foreach (object? item in items)
            {
                Visit(item, $"{path}[{i++}]", seen);
            }
        }

        foreach (FieldInfo field in node.GetType().GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
        {
            Visit(field.GetValue(node), $"{path}.{field.Name}", seen);
        }
    }
}
