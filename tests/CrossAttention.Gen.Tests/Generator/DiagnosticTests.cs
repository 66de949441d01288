using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>SPEC §7: each misuse is its own CXA error with a precise message, at the right place, and generates nothing.</summary>
public sealed class DiagnosticTests
{
    private static Diagnostic Single(string source, string id)
    {
        var (_, diagnostics, run) = GeneratorHarness.Run(source);
        Diagnostic diagnostic = Assert.Single(diagnostics);
        Assert.Equal(id, diagnostic.Id);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Empty(run.GeneratedTrees);
        Assert.Equal("Source0.cs", diagnostic.Location.GetLineSpan().Path);
        return diagnostic;
    }

    /// <summary>The source text a diagnostic points at.</summary>
    private static string At(string source, Diagnostic diagnostic) =>
        source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);

    [Fact]
    public void CXA0001_class_not_partial()
    {
        const string Source = "using CrossAttention; [CrossAttention(4, 2, 64, 8)] public static class Plain { }";
        Diagnostic d = Single(Source, "CXA0001");
        Assert.Equal("'Plain' has [CrossAttention] but is not partial: declare it 'partial' so the generator can add Shape, Path and Attend", d.GetMessage());
        Assert.Equal("Plain", At(Source, d));
    }

    [Fact]
    public void CXA0002_containing_type_not_partial()
    {
        Diagnostic d = Single("using CrossAttention; public class Outer { [CrossAttention(4, 2, 64, 8)] public static partial class Inner; }", "CXA0002");
        Assert.Equal("'Inner' is nested in 'Outer', which is not partial: declare every containing type 'partial' so the generator can add members to 'Inner'", d.GetMessage());
    }

    [Theory]
    [InlineData("0, 2, 64, 8", "lq = 0 must be positive")]
    [InlineData("4, 0, 64, 8", "lkv = 0 must be positive")]
    [InlineData("4, 2, -64, 8", "d = -64 must be positive")]
    [InlineData("4, 2, 64, -1", "heads = -1 must be positive")]
    public void CXA0003_non_positive_sizes(string arguments, string message)
    {
        string source = $"using CrossAttention; [CrossAttention({arguments})] public static partial class K;";
        Diagnostic d = Single(source, "CXA0003");
        Assert.Equal($"[CrossAttention] on 'K': {message}", d.GetMessage());
        Assert.Equal($"CrossAttention({arguments})", At(source, d));
    }

    [Fact]
    public void CXA0004_heads_do_not_divide_D()
    {
        Diagnostic d = Single("using CrossAttention; [CrossAttention(4, 2, 64, 6)] public static partial class K;", "CXA0004");
        Assert.Equal("[CrossAttention] on 'K': d = 64 is not divisible by heads = 6: every head needs d / heads columns (the nearest valid head counts are 4 and 8)", d.GetMessage());
    }

    [Fact]
    public void CXA0005_negative_kv_dim()
    {
        Diagnostic d = Single("using CrossAttention; [CrossAttention(4, 2, 64, 8, KvDim = -3)] public static partial class K;", "CXA0005");
        Assert.Equal("[CrossAttention] on 'K': KvDim = -3 is negative: it is the context feature size, > 0 (or 0 for the default, d = 64)", d.GetMessage());
    }

    [Theory]
    [InlineData("float.NaN", "NaN")]
    [InlineData("float.PositiveInfinity", "Infinity")]
    [InlineData("-1f / 0f", "-Infinity")]
    public void CXA0006_scale_not_finite(string scale, string shown)
    {
        Diagnostic d = Single($"using CrossAttention; [CrossAttention(4, 2, 64, 8, Scale = {scale})] public static partial class K;", "CXA0006");
        Assert.Equal($"[CrossAttention] on 'K': Scale = {shown} is not finite: use 0 for the default 1/sqrt(head size), or any finite non-zero value", d.GetMessage());
    }

    [Fact]
    public void CXA0007_generic_class()
    {
        Diagnostic d = Single("using CrossAttention; public partial class Outer<T> { [CrossAttention(4, 2, 64, 8)] public static partial class K; }", "CXA0007");
        Assert.Contains("'K' is generic or nested in a generic type", d.GetMessage());
    }

    [Fact]
    public void CXA0008_shape_too_large()
    {
        Diagnostic d = Single("using CrossAttention; [CrossAttention(1, 70000, 65536, 1)] public static partial class K;", "CXA0008");
        Assert.Contains("more than the 2147483647 a span can index", d.GetMessage());
    }

    [Fact]
    public void CXA0100_info_says_what_was_left_in_loops()
    {
        var (output, diagnostics, run) = GeneratorHarness.Run("using CrossAttention; [CrossAttention(32, 256, 512, 8)] public static partial class Medium;");
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("CXA0100", d.Id);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Equal("The kernel for 'Medium' (Lq=32, Lkv=256, D=512, Heads=8, head size 64, KvDim=512, Scale=0.125) is specialized but too large to unroll fully: the 32 query rows in a loop; the 256 keys in loops over 32 blocks of 8; the head dimension (64) unrolled in registers", d.GetMessage());
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Fact]
    public void A_fully_unrolled_shape_reports_nothing()
    {
        var (output, diagnostics, run) = GeneratorHarness.Run("using CrossAttention; [CrossAttention(4, 2, 64, 8)] public static partial class Latent;");
        Assert.Empty(diagnostics);
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Fact]
    public void Several_errors_on_one_class_are_all_reported()
    {
        var (_, diagnostics, run) = GeneratorHarness.Run("using CrossAttention; public class Outer { [CrossAttention(4, 2, 64, 6)] public static class K { } }");
        Assert.Equal(new[] { "CXA0001", "CXA0002", "CXA0004" }, diagnostics.Select(d => d.Id).Order().ToArray());
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void Malformed_attribute_arguments_are_left_to_the_compiler()
    {
        var (output, diagnostics, run) = GeneratorHarness.Run("using CrossAttention; [CrossAttention(4, 2, \"64\", 8)] public static partial class K;");
        Assert.Empty(diagnostics);
        Assert.Empty(run.GeneratedTrees);
        Assert.Contains(output.GetDiagnostics(), d => d.Severity == DiagnosticSeverity.Error); // the compiler's own CS1503
    }
}
