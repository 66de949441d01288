using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using CrossAttention.CodeFixes;
using CrossAttention.Gen.Tests.Kernels;
using CrossAttention.Gen.Tests.Support;
using CrossAttention.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>
/// CXA0101 and its fix, as the Regex generator's "use GeneratedRegex" works: the analyzer finds generic kernels asked
/// for with a constant shape, at the right span and nowhere else; the fix declares a [CrossAttention] class and
/// rewrites the use, and the fixed code compiles (generator run) and computes what the generic kernel computed.
/// </summary>
public sealed class CodeFixTests
{
    private static readonly DiagnosticAnalyzer Analyzer = new GeneratedKernelAnalyzer();

    /// <summary>Source with <c>[|…|]</c> around each span expected to be reported: the text without them, and the spans.</summary>
    private static (string Source, TextSpan[] Spans) Markup(string markup)
    {
        var spans = new List<TextSpan>();
        var text = new System.Text.StringBuilder();
        var open = new Stack<int>();
        for (int i = 0; i < markup.Length; i++)
        {
            if (string.CompareOrdinal(markup, i, "[|", 0, 2) == 0)
            {
                open.Push(text.Length);
                i++;
            }
            else if (string.CompareOrdinal(markup, i, "|]", 0, 2) == 0)
            {
                int start = open.Pop();
                spans.Add(TextSpan.FromBounds(start, text.Length));
                i++;
            }
            else
            {
                text.Append(markup[i]);
            }
        }

        return (text.ToString(), spans.OrderBy(span => span.Start).ToArray());
    }

    private static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation) =>
        await compilation.WithAnalyzers(ImmutableArray.Create(Analyzer)).GetAnalyzerDiagnosticsAsync(CancellationToken.None);

    [Fact]
    public async Task Constant_shapes_asked_of_the_generic_path_are_reported_at_the_expression()
    {
        var (source, spans) = Markup("""
            using CrossAttention;
            namespace App;
            public static class Uses
            {
                private const int Width = 512;
                public static ICrossAttention A() => [|new GenericCrossAttention(new CrossAttentionShape(4, 2, 64, 8))|];
                public static ICrossAttention B() => [|CrossAttentionKernels.Resolve(new CrossAttentionShape(16, 49, Width, 8, kvDim: 768))|];
                public static ICrossAttention C() => [|new GenericCrossAttention(new CrossAttentionShape(heads: 2, d: 32, lkv: 5, lq: 3, scale: 0.5f))|];
                public static GenericCrossAttention D() => [|new(new CrossAttentionShape(4, 8, 64, 4, kvHeads: 2, causal: true))|];
                public static ICrossAttention NotConstant(int lq) => new GenericCrossAttention(new CrossAttentionShape(lq, 2, 64, 8));
                public static ICrossAttention Invalid() => new GenericCrossAttention(new CrossAttentionShape(4, 2, 60, 8));
                public static ICrossAttention TooLarge() => new GenericCrossAttention(new CrossAttentionShape(2_000_000, 2_000_000, 8, 1));
                public static ICrossAttention FromVariable(CrossAttentionShape shape) => new GenericCrossAttention(shape);
                public static ICrossAttention Declared() => new GenericCrossAttention(new CrossAttentionShape(1, 1500, 384, 6));
                public static ICrossAttention DeclaredWithItsDefaults() => CrossAttentionKernels.Resolve(new CrossAttentionShape(1, 1500, 384, 6, kvDim: 384, scale: 0.125f, kvHeads: 6));
                public static ICrossAttention NestedDeclared() => CrossAttentionKernels.Resolve(new CrossAttentionShape(2, 3, 16, 2, causal: true));
            }
            [CrossAttention(1, 1500, 384, 6)] public static partial class Whisper;
            public static partial class Outer { [CrossAttention(2, 3, 16, 2, Causal = true)] private static partial class Inner; }
            """);
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeAsync(GeneratorHarness.Compile("Uses", source));

        Assert.Equal(spans, diagnostics.Select(d => d.Location.SourceSpan).OrderBy(span => span.Start));
        Assert.All(diagnostics, d =>
        {
            Assert.Equal("CXA0101", d.Id);
            Assert.Equal(DiagnosticSeverity.Info, d.Severity);
            Assert.Equal(DiagnosticDescriptors.HelpLinkBase + "cxa0101", d.Descriptor.HelpLinkUri);
        });
        string[] messages = diagnostics.OrderBy(d => d.Location.SourceSpan.Start).Select(d => d.GetMessage()).ToArray();
        Assert.Equal(
            "This shape is known at compile time, but new GenericCrossAttention(…) always runs the generic kernel: [CrossAttention(4, 2, 64, 8)] on a partial class generates a kernel specialized for it",
            messages[0]);
        Assert.Contains("no class of this project or its references declares this shape, so Resolve returns the generic kernel: [CrossAttention(16, 49, 512, 8, KvDim = 768)]", messages[1], StringComparison.Ordinal);
        Assert.Contains("[CrossAttention(3, 5, 32, 2, Scale = 0.5f)]", messages[2], StringComparison.Ordinal);
        Assert.Contains("[CrossAttention(4, 8, 64, 4, KvHeads = 2, Causal = true)]", messages[3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_shape_a_referenced_library_declares_is_not_reported()
    {
        var (library, _, _) = GeneratorHarness.Run(GeneratorHarness.Compile("KernelLibrary",
            "using CrossAttention; namespace Lib; [CrossAttention(3, 5, 48, 4)] public static partial class LibraryAttention;"));
        Assert.Empty(GeneratorHarness.WarningsAndErrors(library));
        var (source, spans) = Markup("""
            using CrossAttention;
            static class App
            {
                static ICrossAttention Found() => CrossAttentionKernels.Resolve(new CrossAttentionShape(3, 5, 48, 4));
                static ICrossAttention NotFound() => [|CrossAttentionKernels.Resolve(new CrossAttentionShape(3, 5, 48, 6))|];
            }
            """);
        Compilation app = GeneratorHarness.Compile("App", source).AddReferences(library.ToMetadataReference());
        Assert.Equal(spans, (await AnalyzeAsync(app)).Select(d => d.Location.SourceSpan));
    }

    [Fact]
    public async Task Without_the_runtime_nothing_is_analyzed()
    {
        CSharpCompilation compilation = CSharpCompilation.Create("Bare",
            new[] { CSharpSyntaxTree.ParseText("class GenericCrossAttention { } class C { object M() => new GenericCrossAttention(); }") },
            GeneratorHarness.References.Where(reference => !reference.Display!.EndsWith("CrossAttention.dll", StringComparison.Ordinal)),
            GeneratorHarness.Options);
        Assert.Empty(await AnalyzeAsync(compilation));
    }

    [Fact]
    public void The_fix_fixes_the_analyzers_diagnostic()
    {
        Assert.Equal(Assert.Single(Analyzer.SupportedDiagnostics).Id, Assert.Single(new GeneratedKernelCodeFixProvider().FixableDiagnosticIds));
    }

    public static TheoryData<string, string, string[]> Fixes => new()
    {
        {
            "a var local, in a block namespace",
            """
            using CrossAttention;
            namespace App
            {
                public static class Program
                {
                    public static ICrossAttention Make()
                    {
                        var kernel = new GenericCrossAttention(new CrossAttentionShape(4, 9, 64, 4, kvHeads: 2, causal: true));
                        return kernel;
                    }
                }
            }
            """,
            new[]
            {
                "var kernel = CrossAttentionKernels.Resolve(Attention4x9x64x4Groups2Causal.Shape);",
                "    }\n\n    [CrossAttention(4, 9, 64, 4, KvHeads = 2, Causal = true)]\n    internal static partial class Attention4x9x64x4Groups2Causal;",
            }
        },
        {
            "a local typed GenericCrossAttention, target-typed new, file-scoped namespace",
            """
            using CrossAttention;
            namespace App;
            public static class Program
            {
                public static ICrossAttention Make()
                {
                    GenericCrossAttention kernel = new(new CrossAttentionShape(3, 6, 40, 2, scale: 0.5f));
                    return kernel;
                }
            }
            """,
            new[]
            {
                "ICrossAttention kernel = CrossAttentionKernels.Resolve(Attention3x6x40x2Scaled.Shape);",
                "}\n\n[CrossAttention(3, 6, 40, 2, Scale = 0.5f)]\ninternal static partial class Attention3x6x40x2Scaled;",
            }
        },
        {
            "Resolve, fully qualified, no using, a taken name",
            """
            namespace App;
            public static class Program
            {
                public static global::CrossAttention.ICrossAttention Make() =>
                    global::CrossAttention.CrossAttentionKernels.Resolve(new global::CrossAttention.CrossAttentionShape(12, 49, 320, 5, kvDim: 768));
            }
            internal sealed class Attention12x49x320x5Kv768 { }
            """,
            new[]
            {
                "global::CrossAttention.CrossAttentionKernels.Resolve(Attention12x49x320x5Kv768_2.Shape)",
                "[CrossAttention.CrossAttention(12, 49, 320, 5, KvDim = 768)]\ninternal static partial class Attention12x49x320x5Kv768_2;",
            }
        },
        {
            "a return value, nested types, the global namespace",
            """
            using CrossAttention;
            public static class Program
            {
                public static class Factory
                {
                    public static ICrossAttention Make() => new GenericCrossAttention(new CrossAttentionShape(1, 301, 192, 6, kvHeads: 1));
                }
            }
            """,
            new[]
            {
                "public static ICrossAttention Make() => CrossAttentionKernels.Resolve(Attention1x301x192x6Groups1.Shape);",
                "}\n\n[CrossAttention(1, 301, 192, 6, KvHeads = 1)]\ninternal static partial class Attention1x301x192x6Groups1;",
            }
        },
    };

    [Theory]
    [MemberData(nameof(Fixes))]
    public async Task The_fix_declares_the_class_rewrites_the_use_and_computes_the_same(string name, string source, string[] expected)
    {
        string fixedSource = await ApplyFixAsync(source);
        foreach (string snippet in expected)
        {
            Assert.True(fixedSource.Contains(snippet, StringComparison.Ordinal), $"{name}: expected\n{snippet}\nin the fixed source:\n{fixedSource}");
        }

        // The fixed code compiles with its kernel generated, and the shape's analyzer diagnostic is gone.
        var (compilation, generatorDiagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compile("Fixed" + Math.Abs(name.GetHashCode(StringComparison.Ordinal)), fixedSource));
        Assert.All(generatorDiagnostics, d => Assert.Equal(DiagnosticSeverity.Info, d.Severity));
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(compilation));
        Assert.Empty(await AnalyzeAsync(compilation));

        // Before: the generic kernel. After: the generated one where this CPU runs a tier of it; the same numbers.
        ICrossAttention before = Make(CompileAndRunTests.Load(GeneratorHarness.Run(GeneratorHarness.Compile("Before" + Math.Abs(name.GetHashCode(StringComparison.Ordinal)), source)).Output));
        ICrossAttention after = Make(CompileAndRunTests.Load(compilation));
        Assert.IsType<GenericCrossAttention>(before);
        Assert.Equal(before.Shape, after.Shape);
        if (!CrossAttentionKernels.ForceGeneric && TestKernels.Get(nameof(Latent)).Path.IsSpecialized())
        {
            Assert.True(after.Path.IsSpecialized(), $"{name}: the fixed code runs {after.Path}");
        }

        CrossAttentionShape shape = after.Shape;
        var random = new Random(11);
        float[] q = Data.Uniform(random, 2 * shape.QueryLength), k = Data.Uniform(random, 2 * shape.KeyValueLength), v = Data.Uniform(random, 2 * shape.KeyValueLength);
        bool[] mask = Data.Mask(random, 2, shape.Lkv);
        Reference.Result expectedResult = Reference.Attend(shape, q, k, v, mask);
        foreach (ICrossAttention kernel in new[] { before, after })
        {
            var output = new float[q.Length];
            var weights = new float[2 * shape.WeightsLength];
            kernel.Attend(q, k, v, output, mask, weights);
            Tolerance.Close(expectedResult.Output, output, $"{name}: {kernel.Path} output");
            Tolerance.Close(expectedResult.Weights, weights, $"{name}: {kernel.Path} weights");
        }
    }

    [Fact]
    public async Task Top_level_statements_get_the_class_at_the_end_of_the_file()
    {
        const string Source = """
            using CrossAttention;
            ICrossAttention kernel = new GenericCrossAttention(new CrossAttentionShape(4, 2, 64, 8));
            System.Console.WriteLine(kernel.Path);
            """;
        string fixedSource = await ApplyFixAsync(Source);
        Assert.Contains("ICrossAttention kernel = CrossAttentionKernels.Resolve(Attention4x2x64x8.Shape);", fixedSource, StringComparison.Ordinal);
        Assert.EndsWith("[CrossAttention(4, 2, 64, 8)]\ninternal static partial class Attention4x2x64x8;\n", fixedSource.ReplaceLineEndings("\n"), StringComparison.Ordinal);

        CSharpCompilation program = GeneratorHarness.Compile("TopLevel", fixedSource).WithOptions(GeneratorHarness.Options.WithOutputKind(OutputKind.ConsoleApplication));
        var (compilation, _, run) = GeneratorHarness.Run(program);
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(compilation));
    }

    [Fact]
    public async Task Before_C_sharp_12_the_class_gets_braces()
    {
        const string Source = "using CrossAttention; static class P { static ICrossAttention M() => new GenericCrossAttention(new CrossAttentionShape(4, 2, 64, 8)); }";
        string fixedSource = await ApplyFixAsync(Source, new CSharpParseOptions(LanguageVersion.CSharp11, DocumentationMode.Diagnose));
        Assert.Matches(new Regex(@"internal static partial class Attention4x2x64x8\s*\{\s*\}"), fixedSource);
        var (compilation, _, run) = GeneratorHarness.Run(GeneratorHarness.Compile("CSharp11", new CSharpParseOptions(LanguageVersion.CSharp11, DocumentationMode.Diagnose), fixedSource));
        Assert.Single(run.GeneratedTrees);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(compilation));
    }

    [Fact]
    public async Task A_field_typed_GenericCrossAttention_is_reported_but_not_rewritten()
    {
        const string Source = "using CrossAttention; static class P { static readonly GenericCrossAttention Kernel = new(new CrossAttentionShape(4, 2, 64, 8)); }";
        Assert.Empty(await FixesForAsync(Source, GeneratorHarness.ParseOptions));
    }

    /// <summary>The fixed source of <paramref name="source"/>, whose single CXA0101 has a single fix.</summary>
    private static async Task<string> ApplyFixAsync(string source, CSharpParseOptions? parseOptions = null)
    {
        var (document, actions) = await FixesForAsync(source, parseOptions ?? GeneratorHarness.ParseOptions) is var found && found.Count == 1
            ? found[0]
            : throw new Xunit.Sdk.XunitException($"expected one fix, got {found.Count}");
        ImmutableArray<CodeActionOperation> operations = await actions.GetOperationsAsync(CancellationToken.None);
        Solution changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        return (await changed.GetDocument(document.Id)!.GetTextAsync()).ToString();
    }

    private static async Task<List<(Document Document, CodeAction Action)>> FixesForAsync(string source, CSharpParseOptions parseOptions)
    {
        using var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject(ProjectInfo.Create(
            ProjectId.CreateNewId(), VersionStamp.Default, "Fix", "Fix", LanguageNames.CSharp,
            compilationOptions: GeneratorHarness.Options, parseOptions: parseOptions, metadataReferences: GeneratorHarness.References));
        Document document = workspace.AddDocument(project.Id, "Source0.cs", SourceText.From(source));
        Compilation compilation = (await document.Project.GetCompilationAsync())!;
        Diagnostic diagnostic = Assert.Single(await AnalyzeAsync(compilation));

        var fixes = new List<(Document, CodeAction)>();
        var context = new CodeFixContext(document, diagnostic, (action, _) => fixes.Add((document, action)), CancellationToken.None);
        await new GeneratedKernelCodeFixProvider().RegisterCodeFixesAsync(context);
        return fixes;
    }

    /// <summary>Calls the loaded program's <c>Make()</c>, wherever the source put it.</summary>
    private static ICrossAttention Make(Assembly assembly)
    {
        MethodInfo make = assembly.GetTypes().Select(type => type.GetMethod("Make", BindingFlags.Public | BindingFlags.Static)).Single(method => method is not null)!;
        return (ICrossAttention)make.Invoke(null, null)!;
    }
}
