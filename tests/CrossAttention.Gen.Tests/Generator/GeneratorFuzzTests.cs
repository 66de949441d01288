using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;
using Xunit.Abstractions;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>
/// SPEC §7 under fire: at least 10,000 attribute usages per run, drawn from a grammar — sizes over the whole int range
/// with its edges; positional, named, const and expression arguments; every accessibility, modifier and nesting
/// (classes, structs, records, interfaces, generic and file containers); names with keywords, Unicode and case twins;
/// user types and namespaces that shadow what generated code refers to; duplicate declarations; member and base-class
/// collisions; syntax errors nearby; C# 7.3 to preview. For each class: no generator exception; every diagnostic
/// located in its source; a CXA error, or generated code that adds no diagnostic at all (warning level 9999,
/// documentation comments checked); a kernel exactly when an independent oracle says the use is valid; generation in
/// bounded time. The seed is printed; <c>CXA_FUZZ_SEED=&lt;seed&gt;</c> replays a run, and <c>CXA_FUZZ_DEBUG=1</c> prints
/// each use the compiler itself rejects, with its first error (to keep the grammar honest), and
/// <c>CXA_FUZZ_DUMP=&lt;batch&gt;</c> writes that batch's sources to a file, one usage a line.
/// </summary>
public sealed class GeneratorFuzzTests
{
    private const int Usages = 10_000;
    private const int UsagesPerCompilation = 100;

    /// <summary>Distinct kernels whose code is compiled whole per run (the compile-and-run test covers kernel code too).</summary>
    private const int WholeKernelsPerRun = 150;

    private readonly ITestOutputHelper _output;

    public GeneratorFuzzTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public void Ten_thousand_attribute_usages_never_break_the_build()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("CXA_FUZZ_SEED"), out int fixedSeed) ? fixedSeed : Environment.TickCount;
        _output.WriteLine($"seed {seed} (replay with CXA_FUZZ_SEED={seed})");
        var random = new Random(seed);
        var checkedPlans = new HashSet<string>(StringComparer.Ordinal);
        var stopwatch = Stopwatch.StartNew();
        int generated = 0, rejected = 0, brokenByUser = 0, batches = 0;

        for (int done = 0; done < Usages; batches++)
        {
            var grammar = new Grammar(random, batches);
            Batch batch = grammar.Batch(Math.Min(UsagesPerCompilation, Usages - done));
            done += batch.Usages.Count;
            if (Environment.GetEnvironmentVariable("CXA_FUZZ_DUMP") == batches.ToString(CultureInfo.InvariantCulture))
            {
                string dump = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cxa-fuzz-{seed}-{batches}.txt");
                System.IO.File.WriteAllLines(dump, batch.Usages.Select(u => u.Source));
                _output.WriteLine($"batch {batches} written to {dump}");
            }

            var outcome = Check(batch, checkedPlans, $"seed {seed}, batch {batches}");
            generated += outcome.Generated;
            rejected += outcome.Rejected;
            brokenByUser += outcome.BrokenByUser;
        }

        _output.WriteLine($"{Usages} usages in {batches} compilations, {stopwatch.Elapsed.TotalSeconds:F1} s: {generated} kernels, " +
                          $"{rejected} CXA errors, {brokenByUser} left to the compiler's own errors; {checkedPlans.Count} distinct kernels compiled whole");
        Assert.True(generated > Usages / 5, $"only {generated} kernels generated: the grammar has drifted towards invalid uses");
        Assert.True(rejected > Usages / 10, $"only {rejected} CXA errors: the grammar has drifted towards valid uses");
    }

    private readonly record struct Outcome(int Generated, int Rejected, int BrokenByUser);

    private static Outcome Check(Batch batch, HashSet<string> checkedPlans, string where)
    {
        CSharpParseOptions parseOptions = GeneratorHarness.ParseOptions.WithLanguageVersion(batch.LanguageVersion);
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Fuzz",
            batch.Usages.Select((usage, i) => CSharpSyntaxTree.ParseText(usage.Source, parseOptions, path: FileOf(i))),
            GeneratorHarness.References,
            GeneratorHarness.Options);

        // What the user's code says without the generator: the generator may only take diagnostics away (members now
        // found), never add one.
        var baseline = new HashSet<string>(compilation.GetDiagnostics().Select(Key), StringComparer.Ordinal);

        GeneratorDriver driver = GeneratorHarness.CreateDriver(parseOptions)
            .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        string Context() => $"{where} ({batch.LanguageVersion.ToDisplayString()}); replay it with CXA_FUZZ_SEED";

        Assert.True(run.Results.All(r => r.Exception is null), $"generator exception, {Context()}: {run.Results[0].Exception}");
        Assert.DoesNotContain(generatorDiagnostics, d => d.Id is "CS8784" or "CS8785");
        TimeSpan elapsed = driver.GetTimingInfo().ElapsedTime;
        if (elapsed > TimeSpan.FromSeconds(1) * Math.Max(1, run.GeneratedTrees.Length))
        {
            // Find the class: each usage generated alone.
            Usage slowest = batch.Usages.MaxBy(usage =>
            {
                CSharpCompilation alone = CSharpCompilation.Create("Alone", new[] { CSharpSyntaxTree.ParseText(usage.Source, parseOptions) },
                                                                   GeneratorHarness.References, GeneratorHarness.Options);
                return GeneratorHarness.CreateDriver(parseOptions).RunGenerators(alone).GetTimingInfo().ElapsedTime;
            })!;
            Assert.Fail($"generation took {elapsed.TotalSeconds:F1} s for {run.GeneratedTrees.Length} classes, {Context()}; the slowest alone:\n{slowest.Source}");
        }

        // Every diagnostic of ours is in the source file of the class it is about.
        var cxaByFile = new Dictionary<string, List<Diagnostic>>(StringComparer.Ordinal);
        foreach (Diagnostic diagnostic in generatorDiagnostics)
        {
            Assert.StartsWith("CXA", diagnostic.Id, StringComparison.Ordinal);
            string path = diagnostic.Location.GetLineSpan().Path;
            Assert.True(diagnostic.Location.Kind != LocationKind.None && path.StartsWith("Usage", StringComparison.Ordinal),
                        $"{diagnostic.Id} has no location in the user's source ({diagnostic}), {Context()}");
            Assert.NotEqual("CXA9999", diagnostic.Id);
            if (!cxaByFile.TryGetValue(path, out List<Diagnostic>? list))
            {
                cxaByFile[path] = list = new List<Diagnostic>();
            }

            list.Add(diagnostic);
        }

        // Nothing new in the user's files; nothing at all in the generated ones. The generated files' public members
        // (which carry the user's names) are checked for every class, the kernel code behind them (which depends on the
        // shape alone) once per distinct shape and run.
        // A class whose declarations collide with another usage's, in code the compiler rejects, gets no promise.
        var excused = new HashSet<string>(batch.Usages.Select((u, i) => (u, i))
            .Where(p => p.u.Collides && baseline.Any(k => k.StartsWith(FileOf(p.i) + "|", StringComparison.Ordinal) && k.EndsWith("|Error", StringComparison.Ordinal)))
            .Select(p => p.u.DisplayName), StringComparer.Ordinal);
        foreach (SyntaxTree tree in output.SyntaxTrees)
        {
            SemanticModel model = output.GetSemanticModel(tree);
            IEnumerable<Diagnostic> found;
            string text = tree.ToString();
            if (!tree.FilePath.EndsWith(".g.cs", StringComparison.Ordinal))
            {
                found = model.GetDiagnostics().Where(d => !baseline.Contains(Key(d)));
            }
            else if (excused.Contains(GeneratedFor(text)))
            {
                continue;
            }
            else
            {
                int kernel = text.IndexOf("\nnamespace CrossAttention.Generated.Tier", StringComparison.Ordinal);
                Assert.True(kernel > 0, $"{tree.FilePath} has no kernel code, {Context()}");
                string plan = text.Substring(text.IndexOf("// Shape: ", StringComparison.Ordinal), 200).Split('\n')[0];
                found = checkedPlans.Count < WholeKernelsPerRun && checkedPlans.Add(plan)
                    ? model.GetDiagnostics()
                    : model.GetDiagnostics(new TextSpan(0, kernel)).Concat(model.GetDeclarationDiagnostics());
            }

            Diagnostic? added = found.FirstOrDefault(d => d.Severity >= DiagnosticSeverity.Warning);
            if (added is not null)
            {
                Assert.Fail($"the generated code adds {added.Id} in {tree.FilePath}: {added.GetMessage()}, {Context()}\n--- {tree.FilePath}:\n{Source(added)}");
            }
        }

        // Each class: a kernel exactly when the oracle says its use is valid; otherwise a CXA error in its file (or,
        // where the user's own code does not compile, at least the compiler's error there).
        var generatedFor = new HashSet<string>(run.GeneratedTrees.Select(t => GeneratedFor(t.ToString())), StringComparer.Ordinal);
        int generated = 0, rejected = 0, broken = 0;
        for (int i = 0; i < batch.Usages.Count; i++)
        {
            Usage usage = batch.Usages[i];
            bool kernel = generatedFor.Contains(usage.DisplayName);
            bool cxa = cxaByFile.TryGetValue(FileOf(i), out List<Diagnostic>? errors) && errors.Any(e => e.Severity == DiagnosticSeverity.Error);
            bool compilerError = baseline.Any(k => k.StartsWith(FileOf(i) + "|", StringComparison.Ordinal) && k.EndsWith("|Error", StringComparison.Ordinal));
            string reported = string.Join("; ", errors ?? new List<Diagnostic>());
            string about = $"{Context()}, {FileOf(i)}:\n{usage.Source}\nexpected: {usage.Expected}";
            if (usage.Expected == Expectation.Kernel && !compilerError)
            {
                Assert.True(kernel, $"no kernel for a valid use ({reported}), {about}");

                Assert.False(cxa, $"a CXA error on a valid use ({reported}), {about}");
            }
            else if (usage.Expected is Expectation.Error)
            {
                Assert.False(kernel, $"a kernel for an invalid use, {about}");
                Assert.True(cxa || compilerError, $"an invalid use without any error, {about}");
            }

            // (Usages the oracle does not judge include two declaring one name, where the kernel seen may be the other's.)
            Assert.False(kernel && cxa && usage.Expected != Expectation.Either, $"both a kernel and a CXA error, {about}");
            generated += kernel ? 1 : 0;
            rejected += cxa ? 1 : 0;
            broken += !kernel && !cxa ? 1 : 0;
            if (!kernel && !cxa && Environment.GetEnvironmentVariable("CXA_FUZZ_DEBUG") == "1")
            {
                Console.WriteLine(baseline.FirstOrDefault(k => k.StartsWith(FileOf(i) + "|", StringComparison.Ordinal) && k.EndsWith("|Error", StringComparison.Ordinal)) + " :: " + usage.Source);
            }
        }

        return new Outcome(generated, rejected, broken);
    }

    private static string FileOf(int usage) => $"Usage{usage}.cs";

    /// <summary>The class a generated file is for, from its header.</summary>
    private static string GeneratedFor(string generated) =>
        generated.Substring(generated.IndexOf("cross-attention for ", StringComparison.Ordinal) + 20).Split('\n')[0][..^1];

    private static string Key(Diagnostic d) =>
        $"{d.Location.SourceTree?.FilePath}|{d.Id}|{d.Location.SourceSpan}|{d.GetMessage(CultureInfo.InvariantCulture)}|{d.Severity}";

    private static string Source(Diagnostic diagnostic)
    {
        string[] lines = diagnostic.Location.SourceTree!.ToString().Split('\n');
        int line = diagnostic.Location.GetLineSpan().StartLinePosition.Line;
        return string.Join("\n", lines.Skip(Math.Max(0, line - 3)).Take(7));
    }

    private enum Expectation
    {
        /// <summary>The oracle finds nothing wrong: a kernel must be generated (unless the compiler rejects the code).</summary>
        Kernel,

        /// <summary>Something is wrong with the use: no kernel, and an error says so.</summary>
        Error,

        /// <summary>The grammar added something the oracle does not judge (a syntax error nearby): either outcome.</summary>
        Either,
    }

    /// <param name="Declared">Every type the usage declares (its containers and the class), by full name.</param>
    /// <param name="Collides">A type it declares is declared by another usage of the batch too: the declarations merge
    /// into one type (or clash, with the compiler's error), which the oracle does not judge.</param>
    private sealed record Usage(string Source, string DisplayName, Expectation Expected, string[] Declared, bool Collides = false);

    private sealed record Batch(LanguageVersion LanguageVersion, List<Usage> Usages);

    /// <summary>The grammar. Each usage is one file: shadowing types, a namespace, containers, the annotated class.</summary>
    private sealed class Grammar
    {
        private static readonly string[] Keywords = { "class", "event", "static", "int", "namespace", "object", "string", "operator", "base", "this" };
        private static readonly string[] Contextual = { "var", "async", "await", "dynamic", "nameof", "when", "value", "global", "file", "required", "scoped", "args" };
        private static readonly string[] Shadows = { "System", "CrossAttention", "Span", "ReadOnlySpan", "Vector256", "Unsafe", "MemoryMarshal", "Avx", "Fma", "Kernels", "Generated", "CrossAttentionShape", "KernelPath", "Scratch", "IGeneratedKernel", "Path", "Math" };
        private static readonly string[] Unicode = { "Внимание", "注意力", "Ärger", "ärger", "Größe", "Ωmega", "ωmega", "Àb", "A\u0301b", "A_\u203Fb", "Écoute", "ÉCOUTE", "ǅungla", "ǆungla", "Σίγμα", "σίγμα" };
        private static readonly string[] Generated = { "Shape", "KernelPath", "Attend", "Forward", "ProjectContext", "Kernel" };

        private static readonly int[] Edges =
        {
            0, -1, 1, 2, 3, 7, 8, 9, 16, 46340, 46341, 65536, 715827872, 715827873, 47721859, int.MaxValue, int.MaxValue - 1,
            int.MinValue, int.MinValue + 1, 1 << 20, 1 << 30, 2147483646, 99991,
        };

        private readonly Random _random;
        private readonly int _batch;
        private int _counter;

        public Grammar(Random random, int batch)
        {
            _random = random;
            _batch = batch;
        }

        private bool Chance(double p) => _random.NextDouble() < p;

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        public Batch Batch(int count)
        {
            // The language version is one per compilation; most batches use the newest.
            LanguageVersion version = _random.Next(10) switch
            {
                0 => Pick(new[] { LanguageVersion.CSharp7_3, LanguageVersion.CSharp9, LanguageVersion.CSharp10 }),
                1 => Pick(new[] { LanguageVersion.CSharp11, LanguageVersion.CSharp12, LanguageVersion.CSharp13 }),
                2 => LanguageVersion.Preview,
                _ => LanguageVersion.Latest,
            };
            var usages = new List<Usage>();
            for (int i = 0; i < count; i++)
            {
                usages.Add(Usage(version));
            }

            // Two usages that declare the very same class (a reused name in a shared namespace) are partial declarations
            // of one class, or a duplicate definition: the oracle does not judge those.
            var declarations = usages.SelectMany(u => u.Declared.Distinct()).GroupBy(name => name, StringComparer.Ordinal)
                .Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
            for (int i = 0; i < usages.Count; i++)
            {
                if (usages[i].Declared.Any(declarations.Contains))
                {
                    usages[i] = usages[i] with { Expected = Expectation.Either, Collides = true };
                }
            }

            return new Batch(version, usages);
        }

        /// <summary>A name for a type or namespace, and whether it is fine for the oracle (it compiles as a type name).</summary>
        private int _lastSuffix;

        /// <summary>A name; <paramref name="twin"/> reuses the last suffix, so "attn12" may meet "Attn12" (a case twin).</summary>
        private string Name(bool twin = false)
        {
            int number = twin && _lastSuffix != 0 ? _lastSuffix : (_batch * 1000) + ++_counter;
            _lastSuffix = number;
            string suffix = number.ToString(CultureInfo.InvariantCulture);
            return _random.Next(14) switch
            {
                0 => "@" + Pick(Keywords),
                1 => "@" + Pick(Contextual),
                2 => Pick(Unicode) + suffix,
                3 => Pick(Shadows),
                4 => Pick(Generated),
                5 => "\\u0041ttn" + suffix,
                6 => "attn" + suffix,
                7 => "ATTN" + suffix,
                8 => "_" + suffix,
                _ => "Attn" + suffix,
            };
        }

        private static string Plain(string name) =>
            name.StartsWith('@') ? name[1..] : name.Replace("\\u0041", "A", StringComparison.Ordinal);

        private string Size(out int value, out string? constants)
        {
            constants = null;
            value = _random.Next(20) switch
            {
                < 15 => 1 + _random.Next(8),
                15 or 16 => Pick(Edges),
                17 => _random.Next(int.MinValue, int.MaxValue),
                _ => 1 + _random.Next(300),
            };
            int v = value;
            string literal = v == int.MinValue ? "int.MinValue" : v.ToString(CultureInfo.InvariantCulture);
            switch (_random.Next(8))
            {
                case 0:
                    string name = "C" + _counter++;
                    constants = $"internal const int {name} = {literal};";
                    return "Sizes." + name;
                case 1 when v > 0 && v % 2 == 0:
                    return $"2 * {(v / 2).ToString(CultureInfo.InvariantCulture)}";
                case 2 when v == int.MaxValue:
                    return "int.MaxValue";
                case 3 when v is > 0 and < 1000:
                    return $"({v} + 0)";
                default:
                    return literal;
            }
        }

        private Usage Usage(LanguageVersion version)
        {
            bool valid = version >= LanguageVersion.CSharp11;
            bool either = false;
            var before = new StringBuilder();
            var constants = new List<string>();

            // Shapes: four sizes (positional or named), then optional KvDim, Scale, KvHeads and Causal.
            string[] labels = { "lq", "lkv", "d", "heads" };
            var sizes = new int[4];
            var arguments = new string[4];
            for (int i = 0; i < 4; i++)
            {
                arguments[i] = Size(out sizes[i], out string? constant);
                if (constant is not null)
                {
                    constants.Add(constant);
                }
            }

            if (Chance(0.7) && sizes[3] is > 0 and <= 1000)
            {
                sizes[2] = sizes[3] * (1 + _random.Next(16)); // keep d divisible by heads more often than chance
                arguments[2] = sizes[2].ToString(CultureInfo.InvariantCulture);
            }

            bool named = Chance(0.3);
            var text = new List<string>();
            for (int i = 0; i < 4; i++)
            {
                text.Add(named ? $"{labels[i]}: {arguments[i]}" : arguments[i]);
            }

            if (named && Chance(0.5))
            {
                text.Reverse(); // named arguments in any order
            }

            int kvDim = 0;
            if (Chance(0.2))
            {
                kvDim = Chance(0.8) ? 1 + _random.Next(100) : Pick(Edges);
                text.Add($"KvDim = {(kvDim == int.MinValue ? "int.MinValue" : kvDim.ToString(CultureInfo.InvariantCulture))}");
            }

            float scale = 0;
            if (Chance(0.2))
            {
                (string written, scale) = Pick(new (string, float)[]
                {
                    ("0.5f", 0.5f), ("-1f", -1f), ("float.NaN", float.NaN), ("float.PositiveInfinity", float.PositiveInfinity),
                    ("1f / 0f", float.PositiveInfinity), ("float.Epsilon", float.Epsilon), ("float.MaxValue", float.MaxValue), ("0f", 0f),
                });
                text.Add($"Scale = {written}");
            }

            int kvHeads = 0;
            if (Chance(0.2))
            {
                // Mostly a divisor of heads (1 and heads included), sometimes anything.
                int heads = sizes[3];
                kvHeads = heads is > 0 and <= 1000 && Chance(0.7)
                    ? Pick(Enumerable.Range(1, heads).Where(n => heads % n == 0).ToArray())
                    : Chance(0.5) ? _random.Next(-3, 40) : Pick(Edges);
                text.Add($"KvHeads = {(kvHeads == int.MinValue ? "int.MinValue" : kvHeads.ToString(CultureInfo.InvariantCulture))}");
            }

            bool causal = false;
            if (Chance(0.15))
            {
                causal = Chance(0.8);
                text.Add($"Causal = {(causal ? "true" : "false")}");
            }

            valid &= ShapeIsValid(sizes[0], sizes[1], sizes[2], sizes[3], kvDim, scale, kvHeads, causal);
            string attributeName = Pick(new[] { "CrossAttention", "CrossAttention", "CrossAttentionAttribute", "global::CrossAttention.CrossAttention", "CrossAttention.CrossAttention" });
            string attribute = $"{attributeName}({string.Join(", ", text)})";
            if (Chance(0.05))
            {
                attribute = "System.Obsolete, " + attribute; // the generated code never uses the class from outside: no warning
            }

            // Types and namespaces of the user's that shadow what generated code names.
            if (Chance(0.3))
            {
                string shadow = Pick(Shadows);
                before.Append(Pick(new[]
                {
                    $"namespace Shadow{_counter++}.{shadow} {{ public class Span<T> {{ }} }} ",
                    $"public class {shadow}{_counter++} {{ }} ",
                    "namespace System.Runtime.Intrinsics.Extra { public class Vector256 { } } ",
                }));
            }

            // The namespace: none, file-scoped or blocks.
            string[] namespaceParts = _random.Next(10) switch
            {
                < 3 => Array.Empty<string>(),
                < 6 => new[] { "N" },
                _ => Enumerable.Range(0, 1 + _random.Next(2)).Select(_ => Name()).ToArray(),
            };
            if (namespaceParts.Length > 0 && Plain(namespaceParts[0]) == "CrossAttention")
            {
                namespaceParts[0] = "NotTheRuntime"; // types of the user's in the runtime's own namespace would clash with it
            }

            // A top-level type named CrossAttention (or System) in a namespace other usages share changes what their
            // `CrossAttention` means: drawn only in namespaces of their own.
            bool shared = namespaceParts.Length == 0 || (namespaceParts.Length == 1 && namespaceParts[0] == "N");

            bool fileScoped = namespaceParts.Length > 0 && Chance(0.4);
            // Containers, outermost first.
            var open = new StringBuilder();
            var close = new StringBuilder();
            var containers = new List<string>();
            int depth = _random.Next(10) < 6 ? 0 : 1 + _random.Next(3);
            bool topLevel = true;
            for (int i = 0; i < depth; i++)
            {
                string name = Name();
                while (topLevel && shared && IsReserved(name))
                {
                    name = Name();
                }

                string kind = Pick(new[] { "class", "static class", "struct", "readonly struct", "ref struct", "record", "record struct", "interface", "class" });
                string access = Pick(topLevel ? new[] { "public", "internal", "" } : new[] { "public", "internal", "private", "protected", "private protected", "protected internal", "" });
                if (kind == "static class" || kind.Contains("struct", StringComparison.Ordinal) || kind == "interface")
                {
                    access = access.Contains("protected", StringComparison.Ordinal) ? "private" : access;
                }

                bool partial = Chance(0.95);
                bool generic = Chance(0.05);
                bool file = topLevel && Chance(0.05);
                valid &= partial && !generic && !file;
                open.Append($"{(file ? "file" : access)} {Declare(kind, partial)} {name}{(generic ? "<T>" : "")} {{ ");
                close.Append("} ");
                containers.Add(Plain(name));
                either |= !IsTypeName(name) || (topLevel && namespaceParts.Length == 0 && IsReserved(name));
                topLevel = false;
            }

            // The annotated class (never a global type named System or CrossAttention: that hides the namespaces every
            // program, and the generated code, rely on).
            string className = Name(twin: Chance(0.4));
            while (depth == 0 && shared && IsReserved(className))
            {
                className = Name();
            }

            string classAccess = Pick(depth == 0 ? new[] { "public", "internal", "" } : new[] { "public", "internal", "private", "protected", "private protected", "protected internal", "" });
            bool isStatic = Chance(0.5);
            bool classPartial = Chance(0.95);
            bool classGeneric = Chance(0.03);
            bool classFile = depth == 0 && Chance(0.04);
            string classKind = isStatic ? "class" : Pick(new[] { "class", "class", "record", "record class", "sealed class", "abstract class" });
            valid &= classPartial && !classGeneric && !classFile;
            either |= !IsTypeName(className);
            if (classKind.StartsWith("record", StringComparison.Ordinal) && version < LanguageVersion.CSharp9)
            {
                either = true;
            }

            string members = "";
            string baseClass = "";
            switch (_random.Next(12))
            {
                case 0:
                    string taken = Pick(Generated);
                    members = Pick(new[] { $"public static void {taken}() {{ }}", $"private static int {taken};", $"public sealed class {taken} {{ }}" });
                    valid = false;
                    break;
                case 1 when !isStatic:
                    string inherited = Pick(Generated);
                    string baseName = "Base" + _counter++;
                    before.Append($"public class {baseName} {{ public static int {inherited} => 1; }} ");
                    baseClass = " : " + baseName;
                    valid = false;
                    break;
                case 2:
                    members = "public static int Path => 0; public static string Combine() => global::System.IO.Path.Combine(\"a\", \"b\");";
                    break;
                case 3:
                    members = "public static int Other(int x) => x;";
                    break;
            }

            if (Generated.Contains(Plain(className)))
            {
                valid = false; // a member cannot have its class's name
            }

            bool duplicate = Chance(0.03);
            string declaration =
                $"[{attribute}] {(classFile ? "file" : classAccess)} {(isStatic ? "static " : "")}{Declare(classKind, classPartial)} {className}{(classGeneric ? "<T>" : "")}{baseClass} {{ {members} }}";
            if (duplicate)
            {
                declaration += $" [{attribute}] {(isStatic ? "static " : "")}partial {classKind} {className}{(classGeneric ? "<T>" : "")} {{ }}";
                valid = false;
            }

            // A syntax error nearby, in a class of its own.
            string after = "";
            if (Chance(0.05))
            {
                after = Pick(new[] { " class Broken { void M() { int x = ; } }", " class { }", " public int = 3;", " class Half { void M() { if (true) { } }" });
                either = true;
            }

            string sizesName = "Sizes" + _counter++;
            declaration = declaration.Replace("Sizes.", sizesName + ".", StringComparison.Ordinal);
            string sizesClass = constants.Count > 0 ? $" static class {sizesName} {{ {string.Join(" ", constants)} }}" : "";
            var source = new StringBuilder("using CrossAttention; ");
            if (fileScoped)
            {
                source.Append($"namespace {string.Join(".", namespaceParts)}; ").Append(before).Append(sizesClass).Append(' ').Append(open).Append(declaration).Append(close).Append(after);
            }
            else if (namespaceParts.Length > 0)
            {
                source.Append(before).Append($"namespace {string.Join(".", namespaceParts)} {{ ").Append(sizesClass).Append(' ').Append(open).Append(declaration).Append(close).Append(after).Append(" }");
            }
            else
            {
                source.Append(before).Append(sizesClass).Append(' ').Append(open).Append(declaration).Append(close).Append(after);
            }

            if (!namespaceParts.All(IsTypeName) || namespaceParts.Any(IsReserved) || containers.Any(IsReserved) || IsReserved(className))
            {
                either = true; // a `CrossAttention` of the user's in scope changes what the attribute's name means
            }

            string display = string.Join(".", namespaceParts.Select(Plain).Concat(containers).Append(Plain(className)));
            string[] declared = Enumerable.Range(1, containers.Count + 1)
                .Select(n => string.Join(".", namespaceParts.Select(Plain).Concat(containers.Append(Plain(className)).Take(n)))).ToArray();
            Expectation expected = either ? Expectation.Either : valid ? Expectation.Kernel : Expectation.Error;
            return new Usage(source.ToString(), display, expected, declared);
        }

        /// <summary>"readonly struct" → "readonly partial struct": modifiers, then <c>partial</c>, then the keyword(s).</summary>
        private static string Declare(string kind, bool partial)
        {
            string[] words = kind.Split(' ');
            int keyword = words[0] is "record" ? 0 : words.Length - 1;
            string modifiers = string.Join(" ", words.Take(keyword));
            string keywords = string.Join(" ", words.Skip(keyword));
            return $"{modifiers} {(partial ? "partial " : "")}{keywords}".Trim();
        }

        private static bool IsReserved(string name) => Plain(name) is "System" or "CrossAttention";

        /// <summary>Names the compiler rejects as type names (<c>var</c>, <c>dynamic</c>, ...) or that reuse a generated one.</summary>
        private static bool IsTypeName(string name) =>
            Plain(name) is not ("var" or "dynamic" or "global" or "file" or "required" or "scoped" or "async" or "await" or "nameof" or "value" or "when" or "args");

        /// <summary>The shape rules, written again from SPEC §3, §5 and §7 (not calling the code under test).</summary>
        private static bool ShapeIsValid(int lq, int lkv, int d, int heads, int kvDim, float scale, int kvHeads, bool causal)
        {
            if (lq <= 0 || lkv <= 0 || d <= 0 || heads <= 0 || d % heads != 0 || kvDim < 0 || !float.IsFinite(scale))
            {
                return false;
            }

            // KvHeads: 0 (= heads) or a divisor of heads. Causal: no more query rows than keys.
            if (kvHeads < 0 || (kvHeads > 0 && heads % kvHeads != 0) || (causal && lq > lkv))
            {
                return false;
            }

            double kv = kvDim == 0 ? d : kvDim;
            double[] tensors = { (double)lq * d, (double)lkv * d, lkv * kv, (double)heads * lq * lkv, (double)d * d, d * kv };
            // Three score buffers of whole vectors of the widest tier (16 lanes) must fit a span; causal, a key mask per
            // query row beside two of them and up to 2^20 floats of query-lanes scratch.
            double buffers = Math.Ceiling(lkv / 16.0) * 16;
            return tensors.Max() <= int.MaxValue && 3.0 * buffers <= int.MaxValue
                   && (!causal || ((lq + 2.0) * buffers) + (1 << 20) <= int.MaxValue);
        }
    }
}
