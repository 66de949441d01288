using System;
using System.Linq;
using System.Reflection;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>
/// SPEC §7, case by case: declarations that once crashed the compiler, threw inside the generator (which drops every
/// class's code) or generated code that did not compile. Each must now get a kernel that compiles with zero warnings
/// (at warning level 9999, documentation comments checked), or a CXA error at the class — and leave other classes alone.
/// </summary>
public sealed class BuildSafetyTests
{
    /// <summary>Runs the generator; asserts no exception escaped it and every diagnostic it reports is in the source.</summary>
    internal static (Compilation Output, Diagnostic[] Diagnostics, string[] Files) Generate(string source, Compilation? compilation = null)
    {
        var (output, diagnostics, run) = GeneratorHarness.Run(compilation ?? GeneratorHarness.Compile("Test", source));
        Assert.All(run.Results, result => Assert.Null(result.Exception));
        Assert.DoesNotContain(diagnostics, d => d.Id is "CS8784" or "CS8785");
        Assert.All(diagnostics, d => Assert.True(d.Location.Kind != LocationKind.None && d.Location.GetLineSpan().Path == "Source0.cs",
                                                 $"{d.Id} is not located in the user's source: {d}"));
        return (output, diagnostics.ToArray(), run.GeneratedTrees.Select(t => System.IO.Path.GetFileName(t.FilePath)).Order().ToArray());
    }

    [Theory]
    [InlineData("public partial class Outer { [CrossAttention(4, 2, 64, 8)] private protected partial class Inner; }")]
    [InlineData("public partial class Outer { [CrossAttention(4, 2, 64, 8)] private partial class Inner; }")]
    [InlineData("public partial class Outer { [CrossAttention(4, 2, 64, 8)] protected partial class Inner; }")]
    [InlineData("public partial class Outer { [CrossAttention(4, 2, 64, 8)] protected internal partial class Inner; }")]
    [InlineData("internal partial class Outer { private partial class Middle { [CrossAttention(4, 2, 64, 8)] public partial class Inner; } }")]
    public void Any_accessibility_of_a_nested_class_gets_a_registered_kernel(string declaration)
    {
        var (output, diagnostics, files) = Generate("using CrossAttention; " + declaration);
        Assert.Empty(diagnostics);
        Assert.Single(files);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));

        // The registration reaches the class however privately it is nested, so Resolve finds the kernel.
        Assembly assembly = CompileAndRunTests.Load(output);
        ICrossAttention kernel = Assert.Single(CrossAttentionKernels.RegisteredBy(assembly));
        Assert.Equal(new CrossAttentionShape(4, 2, 64, 8), kernel.Shape);
    }

    [Theory]
    [InlineData("namespace N { [CrossAttention(4, 2, 64, 8)] public static partial class Attn; [CrossAttention(1, 2, 8, 1)] public static partial class attn; }", 2)]
    [InlineData("namespace N { [CrossAttention(4, 2, 64, 8)] public static partial class ÄRger; [CrossAttention(1, 2, 8, 1)] public static partial class äRger; }", 2)]
    [InlineData("namespace n { [CrossAttention(4, 2, 64, 8)] public static partial class K; } namespace N { [CrossAttention(1, 2, 8, 1)] public static partial class K; }", 2)]
    [InlineData("namespace N.Outer { [CrossAttention(4, 2, 64, 8)] public static partial class Inner; } namespace N { public static partial class Outer2 { [CrossAttention(1, 2, 8, 1)] public static partial class Inner; } }", 2)]
    [InlineData("namespace @event.@static { [CrossAttention(4, 2, 64, 8)] public static partial class @class; [CrossAttention(1, 2, 8, 1)] public static partial class @record; }", 2)]
    [InlineData("namespace Ünïcødé { [CrossAttention(4, 2, 64, 8)] public static partial class Внимание; [CrossAttention(1, 2, 8, 1)] public static partial class 注意; }", 2)]
    [InlineData("namespace N { [CrossAttention(4, 2, 64, 8)] public static partial class A\\u0301b; [CrossAttention(1, 2, 8, 1)] public static partial class A_b; }", 2)]
    public void Names_get_unique_files_and_code_that_compiles(string declarations, int classes)
    {
        var (output, diagnostics, files) = Generate("using CrossAttention; " + declarations);
        Assert.Empty(diagnostics);
        Assert.Equal(classes, files.Length);
        Assert.Equal(classes, files.Distinct(StringComparer.OrdinalIgnoreCase).Count());
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Fact]
    public void Case_twins_are_told_apart_and_other_names_stay_readable()
    {
        var (_, _, files) = Generate("using CrossAttention; namespace N { [CrossAttention(4, 2, 64, 8)] public static partial class Attn; [CrossAttention(1, 2, 8, 1)] public static partial class attn; [CrossAttention(1, 2, 8, 1)] public static partial class Other; }");
        Assert.Contains("N.Other.g.cs", files);
        Assert.Equal(2, files.Count(f => f.StartsWith("N.Attn.0x", StringComparison.OrdinalIgnoreCase)));
    }

    [Theory]
    [InlineData("public partial struct S { [CrossAttention(4, 2, 64, 8)] public partial class K; }")]
    [InlineData("public readonly ref partial struct S { [CrossAttention(4, 2, 64, 8)] public partial class K; }")]
    [InlineData("public partial interface I { [CrossAttention(4, 2, 64, 8)] public partial class K; }")]
    [InlineData("public partial record struct R(int X) { [CrossAttention(4, 2, 64, 8)] public partial class K; }")]
    [InlineData("public sealed partial record R(int X) { [CrossAttention(4, 2, 64, 8)] internal partial record K; }")]
    [InlineData("public abstract partial class A { [CrossAttention(4, 2, 64, 8)] public sealed partial class K; }")]
    [InlineData("[CrossAttention(4, 2, 64, 8)] public abstract partial class K { public abstract void Other(); }")]
    [InlineData("public static partial class Outer { public static partial class Kernel { [CrossAttention(4, 2, 64, 8)] public static partial class Attention; } }")]
    public void Every_container_kind_works(string declaration)
    {
        var (output, diagnostics, files) = Generate("using CrossAttention; namespace N; " + declaration);
        Assert.Empty(diagnostics);
        Assert.Single(files);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Theory]
    [InlineData("namespace N.System { public class Span<T> { } public class ReadOnlySpan<T> { } } namespace N { [CrossAttention(4, 2, 64, 8)] public static partial class K; }")]
    [InlineData("public class Vector256 { } public class Unsafe { } public class MemoryMarshal { } public class Avx { } [CrossAttention(5, 7, 72, 3)] public static partial class K;")]
    [InlineData("namespace CrossAttention.System { } namespace CrossAttention.Generated.System { } namespace N { [CrossAttention(4, 2, 64, 8)] public static partial class K; }")]
    [InlineData("namespace N { public class CrossAttentionShape { } public class KernelPath { } public class Kernels { } [CrossAttention(32, 256, 512, 8)] public static partial class K; }")]
    [InlineData("namespace N { public partial class Outer { public class Span<T> { } public class global { } [CrossAttention(4, 2, 64, 8)] public static partial class K; } }")]
    // The tier aliases V, Vec and P, and the tier namespaces, against user types of those names.
    [InlineData("public class V { } public class Vec { } public class P { } public class Vector512Primitives { } [CrossAttention(32, 256, 512, 8)] public static partial class K;")]
    [InlineData("namespace CrossAttention { public class V { } public class Vec { } public class P { } } namespace CrossAttention.Generated { public class P { } } namespace N { [CrossAttention(5, 7, 72, 3, KvDim = 40)] public static partial class K; }")]
    public void User_types_that_shadow_names_do_not_change_the_generated_code(string declarations)
    {
        var (output, diagnostics, files) = Generate("using CrossAttention; " + declarations);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Info, d.Severity));
        Assert.Single(files);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Fact]
    public void An_invalid_class_leaves_the_others_their_kernels()
    {
        var (output, diagnostics, files) = Generate("""
            using CrossAttention;
            namespace N;
            [CrossAttention(4, 2, 64, 8)] file static partial class A;
            [CrossAttention(4, 2, 64, 8)] file static partial class A2;
            [CrossAttention(1, int.MaxValue, 1, 1)] public static partial class TooManyKeys;
            [CrossAttention(4, 2, 64, 8)] public static partial class Good;
            """);
        Assert.Equal(new[] { "CXA0008", "CXA0009", "CXA0009" }, diagnostics.Select(d => d.Id).Order().ToArray());
        Assert.Equal(new[] { "N.Good.g.cs" }, files);
        Assert.DoesNotContain(GeneratorHarness.WarningsAndErrors(output), d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true);
    }

    [Fact]
    public void The_largest_key_count_is_stated_when_score_buffers_would_overflow()
    {
        var (_, diagnostics, files) = Generate("using CrossAttention; [CrossAttention(1, int.MaxValue, 1, 1)] public static partial class K;");
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("CXA0008", d.Id);
        Assert.Equal("[CrossAttention] on 'K': lkv = 2,147,483,647 keys need score buffers of 3 × 2,147,483,648 floats, more than the 2,147,483,647 a span can index: the largest key count a kernel can be generated for is 715,827,872", d.GetMessage());
        Assert.Empty(files);
    }

    [Fact]
    public void Shapes_at_the_edges_of_int_plan_in_bounded_time()
    {
        // 47721859 rows was an overflow once (lq × row cost wrapped negative and the planner unrolled 47.7 M rows); a
        // KvDim of int.MaxValue took 38 s and gigabytes (every input vector of the projection listed, though looped).
        const string Source = """
            using CrossAttention;
            [CrossAttention(47721859, 1, 1, 1)] public static partial class ManyRows;
            [CrossAttention(1, 715827872, 1, 1)] public static partial class ManyKeys;
            [CrossAttention(1, 1, 46340, 46340)] public static partial class WideHeads;
            [CrossAttention(1, 1, 46340, 1)] public static partial class OneWideHead;
            [CrossAttention(1, 1, 1, 1, KvDim = int.MaxValue)] public static partial class WideContext;
            """;
        TimeSpan elapsed = GeneratorHarness.CreateDriver().RunGenerators(GeneratorHarness.Compile("Timed", Source)).GetTimingInfo().ElapsedTime;
        Assert.True(elapsed < TimeSpan.FromSeconds(5), $"generating 5 classes took {elapsed.TotalSeconds:F1} s");
        var (output, diagnostics, files) = Generate(Source);
        Assert.Equal(5, files.Length);
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticSeverity.Info, d.Severity));
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Fact]
    public void A_project_compiled_with_overflow_checks_runs_calls_whose_weights_would_not_fit_an_int()
    {
        // Without a weights span, nothing bounds batch × Heads × Lq × Lkv: 123 × 8 × 2000 × 1100 > int.MaxValue. The
        // kernel must not compute that offset, or a project with <CheckForOverflowUnderflow> would throw.
        var compilation = GeneratorHarness.Compile("Checked", "using CrossAttention; namespace N; [CrossAttention(2000, 1100, 8, 8)] public static partial class K;")
            .WithOptions(GeneratorHarness.Options.WithOverflowChecks(true));
        var (output, _, _) = Generate(compilation.SyntaxTrees.Single().ToString(), compilation);
        ICrossAttention kernel = CompileAndRunTests.Kernel(CompileAndRunTests.Load(output), "N.K");
        CrossAttentionShape shape = kernel.Shape;
        const int Batch = 123;
        var random = new Random(5);
        float[] q = Support.Data.Uniform(random, Batch * shape.QueryLength), k = Support.Data.Uniform(random, Batch * shape.KeyValueLength);
        var result = new float[q.Length];
        kernel.Attend(q, k, k, result);

        // The last batch item, whose offsets are the largest, against the generic kernel on that item alone.
        var last = new float[shape.QueryLength];
        new GenericCrossAttention(shape).Attend(q.AsSpan((Batch - 1) * shape.QueryLength), k.AsSpan((Batch - 1) * shape.KeyValueLength),
                                                k.AsSpan((Batch - 1) * shape.KeyValueLength), last);
        Support.Tolerance.Close(last, result.AsSpan((Batch - 1) * shape.QueryLength).ToArray(), "last batch item");
    }
}
