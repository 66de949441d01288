using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
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
        Assert.Equal("'Plain' has [CrossAttention] but is not partial: declare it 'partial' so the generator can add Shape, KernelPath, Attend, Forward and ProjectContext", d.GetMessage());
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
        Assert.Equal("[CrossAttention] on 'K': d = 64 is not divisible by heads = 6: every head needs d / heads columns (the nearest head counts that divide it are 4 and 8)", d.GetMessage());
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

    [Theory]
    [InlineData("3", "KvHeads = 3 does not divide heads = 8: each key/value head serves heads / KvHeads query heads (the nearest key/value head counts that divide it are 2 and 4)")]
    [InlineData("-1", "KvHeads = -1 is negative: it is the number of key/value heads, a divisor of heads = 8 (or 0 for the default, heads)")]
    [InlineData("16", "KvHeads = 16 does not divide heads = 8: each key/value head serves heads / KvHeads query heads (the nearest key/value head counts that divide it are 8 (no head count above 16 divides heads))")]
    public void CXA0013_kv_heads_not_a_divisor_of_heads(string kvHeads, string message)
    {
        Diagnostic d = Single($"using CrossAttention; [CrossAttention(4, 2, 64, 8, KvHeads = {kvHeads})] public static partial class K;", "CXA0013");
        Assert.Equal($"[CrossAttention] on 'K': {message}", d.GetMessage());
    }

    [Fact]
    public void CXA0014_causal_with_more_queries_than_keys()
    {
        Diagnostic d = Single("using CrossAttention; [CrossAttention(4, 2, 64, 8, Causal = true)] public static partial class K;", "CXA0014");
        Assert.Equal("[CrossAttention] on 'K': Causal needs lq <= lkv: query row i sees keys 0 .. i + (lkv - lq), so with lq = 4 > lkv = 2 the first 2 rows would see no key", d.GetMessage());
    }

    [Fact]
    public void CXA0008_causal_key_masks_too_large()
    {
        // Valid as a shape (every tensor fits a span), but a causal kernel's key mask per row would not.
        // 46,340 × 46,341 weights fit a span; 46,342 rows of 46,352 mask ints do not.
        Diagnostic d = Single("using CrossAttention; [CrossAttention(46340, 46341, 16, 1, Causal = true)] public static partial class K;", "CXA0008");
        Assert.Equal("[CrossAttention] on 'K': Causal with lq = 46,340 query rows over lkv = 46,341 keys needs a key mask per row: 46,340 × 46,352 ints beside the score buffers, more than the 2,147,483,647 a span can index", d.GetMessage());
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
        Assert.Equal("[CrossAttention] on 'K': k and v [Lkv, D] would hold 4,587,520,000 elements (per batch item), more than the 2,147,483,647 a span can index", d.GetMessage());
    }

    [Theory]
    [InlineData("[CrossAttention(4, 2, 64, 8)] file static partial class K;", "'K' is a file-local type")]
    [InlineData("file static partial class Outer { [CrossAttention(4, 2, 64, 8)] internal static partial class K; }", "'K' is nested in the file-local type 'Outer'")]
    public void CXA0009_file_local_types(string declaration, string start)
    {
        Diagnostic d = Single("using CrossAttention; " + declaration, "CXA0009");
        Assert.Equal(start + ": every part of a file-local type must be in one file, so the generator cannot add its members from a file of its own; remove the 'file' modifier", d.GetMessage());
    }

    [Theory]
    [InlineData(LanguageVersion.CSharp10, "10.0")]
    [InlineData(LanguageVersion.CSharp7_3, "7.3")]
    public void CXA0010_language_version_too_old(LanguageVersion version, string shown)
    {
        const string Source = "using CrossAttention; [CrossAttention(4, 2, 64, 8)] public static partial class K { }";
        var (_, diagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compile("Test", GeneratorHarness.ParseOptions.WithLanguageVersion(version), Source));
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("CXA0010", d.Id);
        Assert.Equal($"[CrossAttention] on 'K' needs C# 11.0 or newer (the generated code implements static abstract interface members and uses file-local types), and this project compiles C# {shown}: set <LangVersion> to 11.0 or newer", d.GetMessage());
        Assert.Equal("CrossAttention(4, 2, 64, 8)", At(Source, d));
        Assert.Empty(run.GeneratedTrees);
    }

    [Fact]
    public void The_oldest_language_version_accepted_compiles_the_generated_code()
    {
        var compilation = GeneratorHarness.Compile("Test", GeneratorHarness.ParseOptions.WithLanguageVersion(LanguageVersion.CSharp11),
            "using CrossAttention; namespace N { [CrossAttention(5, 7, 72, 3, KvDim = 40)] public static partial class K { } }");
        var (output, diagnostics, run) = GeneratorHarness.Run(compilation);
        Assert.Empty(diagnostics);
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Theory]
    [InlineData("public static partial class K { public static void Attend() { } }", "'K' already declares a member named 'Attend'")]
    [InlineData("public static partial class K { private static int Shape; }", "'K' already declares a member named 'Shape'")]
    [InlineData("public partial class K { public int Forward { get; set; } }", "'K' already declares a member named 'Forward'")]
    [InlineData("public static partial class K { private sealed class Kernel { } }", "'K' already declares a member named 'Kernel'")]
    [InlineData("public static partial class K { public const string KernelPath = \"\"; }", "'K' already declares a member named 'KernelPath'")]
    [InlineData("public partial record K(int ProjectContext);", "'K' already declares a member named 'ProjectContext'")]
    [InlineData("public static partial class Shape;", "'Shape' is itself named 'Shape', and a member cannot have the name of its class")]
    [InlineData("public static partial class Kernel;", "'Kernel' is itself named 'Kernel', and a member cannot have the name of its class")]
    [InlineData("public partial class K : B; public class B { public static int Shape => 1; }", "'K' inherits a member named 'Shape' from 'B', which the generated one would hide")]
    [InlineData("public partial class K : B; public class B : A; public class A { protected void Kernel() { } }", "'K' inherits a member named 'Kernel' from 'A', which the generated one would hide")]
    public void CXA0011_generated_member_name_taken(string declaration, string start)
    {
        string source = "using CrossAttention; [CrossAttention(4, 2, 64, 8)] " + declaration;
        var (_, diagnostics, run) = GeneratorHarness.Run(source);
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("CXA0011", d.Id);
        Assert.StartsWith(start + ": [CrossAttention] adds the members Shape, KernelPath, Attend, Forward, ProjectContext and the nested type Kernel; rename '", d.GetMessage());
        Assert.Empty(run.GeneratedTrees);
    }

    [Theory]
    [InlineData("public partial class K : B; public class B { private static int Shape => 1; }")]
    [InlineData("public partial class K { public static string Where() => Path.Combine(\"a\", \"b\"); public static int Path2 => 0; }")]
    [InlineData("public partial class K { public static int Path => 0; }")]
    public void Names_the_generator_does_not_add_are_free(string declaration)
    {
        var (output, diagnostics, run) = GeneratorHarness.Run("using System.IO; using CrossAttention; [CrossAttention(4, 2, 64, 8)] " + declaration);
        Assert.Empty(diagnostics);
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Fact]
    public void CXA0012_attribute_on_two_declarations_of_one_class()
    {
        const string Source = """
            using CrossAttention;
            [CrossAttention(4, 2, 64, 8)] public static partial class K;
            [CrossAttention(4, 2, 64, 8)] public static partial class K;
            [CrossAttention(1, 2, 8, 1)] public static partial class Unrelated;
            """;
        var (output, diagnostics, run) = GeneratorHarness.Run(Source);
        Assert.Equal(2, diagnostics.Length);
        Assert.All(diagnostics, d => Assert.Equal("'K' has [CrossAttention] 2 times: a class gets the kernel of one shape; keep one attribute (on one of its declarations)", d.GetMessage()));
        Assert.All(diagnostics, d => Assert.Equal("CXA0012", d.Id));
        Assert.Equal("Unrelated.g.cs", System.IO.Path.GetFileName(Assert.Single(run.GeneratedTrees).FilePath)); // the other class is unaffected
        Assert.Contains(output.GetDiagnostics(), d => d.Id == "CS0579"); // and the compiler's own duplicate-attribute error
    }

    [Fact]
    public void CXA0100_info_says_what_was_left_in_loops()
    {
        var (output, diagnostics, run) = GeneratorHarness.Run("using CrossAttention; [CrossAttention(32, 256, 512, 8)] public static partial class Medium;");
        Diagnostic d = Assert.Single(diagnostics);
        Assert.Equal("CXA0100", d.Id);
        Assert.Equal(DiagnosticSeverity.Info, d.Severity);
        Assert.Equal("The kernel for 'Medium' (Lq=32, Lkv=256, D=512, Heads=8, head size 64, KvDim=512, Scale=0.125) is specialized but too large to unroll fully: the 32 query rows in the vector lanes, two vectors of them at a time; the 256 keys in loops", d.GetMessage());
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));
    }

    [Theory]
    [InlineData("4, 2, 64, 8")]
    [InlineData("2, 8, 64, 8")]   // query rows in a loop, each row unrolled: nothing worth an Info
    [InlineData("47721859, 1, 1, 1")]
    public void A_shape_whose_rows_are_unrolled_reports_nothing(string arguments)
    {
        var (output, diagnostics, run) = GeneratorHarness.Run($"using CrossAttention; [CrossAttention({arguments})] public static partial class Latent;");
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
