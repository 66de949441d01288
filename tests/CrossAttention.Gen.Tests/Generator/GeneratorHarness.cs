using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using CrossAttention.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>
/// Runs the generator in memory on source text, the way the compiler does: references are this process's trusted
/// platform assemblies (the .NET 10 reference set, this repo's runtime included), so nothing is downloaded.
/// </summary>
internal static class GeneratorHarness
{
    /// <summary>The newest C#, with documentation comments checked (so a missing or malformed one in generated code warns).</summary>
    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    public static readonly ImmutableArray<MetadataReference> References =
        ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
        .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Where(path => Path.GetFileName(path) is var file
                       && (file.StartsWith("System.", StringComparison.Ordinal) || file is "mscorlib.dll" or "netstandard.dll"
                           or "CrossAttention.dll"))
        .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
        .ToImmutableArray();

    /// <summary>Every warning of every warning wave, as <c>&lt;WarningLevel&gt;9999&lt;/WarningLevel&gt;</c> gives.</summary>
    public static readonly CSharpCompilationOptions Options =
        new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release,
                                     nullableContextOptions: NullableContextOptions.Enable, warningLevel: 9999);

    public static CSharpCompilation Compile(string assemblyName, params string[] sources) =>
        Compile(assemblyName, ParseOptions, sources);

    public static CSharpCompilation Compile(string assemblyName, CSharpParseOptions parseOptions, params string[] sources) =>
        CSharpCompilation.Create(
            assemblyName,
            sources.Select((source, i) => CSharpSyntaxTree.ParseText(source, parseOptions, path: $"Source{i}.cs")),
            References,
            Options);

    public static GeneratorDriver CreateDriver(CSharpParseOptions? parseOptions = null) =>
        CSharpGeneratorDriver.Create(
            new[] { new CrossAttentionGenerator().AsSourceGenerator() },
            parseOptions: parseOptions ?? ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>Runs the generator; returns the compilation with the generated sources and the generator's diagnostics.</summary>
    public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Run) Run(Compilation compilation)
    {
        var parseOptions = (CSharpParseOptions?)compilation.SyntaxTrees.FirstOrDefault()?.Options;
        GeneratorDriver driver = CreateDriver(parseOptions).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (output, diagnostics, driver.GetRunResult());
    }

    public static (Compilation Output, ImmutableArray<Diagnostic> Diagnostics, GeneratorDriverRunResult Run) Run(string source) =>
        Run(Compile("Test", source));

    /// <summary>
    /// Compiler errors anywhere, and warnings in generated files (the test sources themselves may lack documentation
    /// comments): the generated code must add none of either.
    /// </summary>
    public static Diagnostic[] WarningsAndErrors(Compilation compilation) =>
        compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error
                        || (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", StringComparison.Ordinal) == true))
            .ToArray();
}
