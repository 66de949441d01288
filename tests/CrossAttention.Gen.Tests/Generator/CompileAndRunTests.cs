using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using System.Text;
using CrossAttention.Gen.Tests.Support;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;
using Xunit;
using Xunit.Abstractions;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>
/// At least 40 random valid shapes per run — a third with grouped-query heads, a quarter causal, one in eleven of heads of
/// 8 columns over few keys (two heads to a 512-bit vector) — generated in memory,
/// compiled with zero warnings, loaded, and checked on every tier against the float64 reference (Attend and Forward). The seed is printed; set CXA_TEST_SEED to rerun a failing draw.
/// </summary>
public sealed class CompileAndRunTests
{
    private const int ShapeCount = 48;
    private readonly ITestOutputHelper _output;

    public CompileAndRunTests(ITestOutputHelper output) => _output = output;

    private sealed record DrawnShape(string Name, int Lq, int Lkv, int D, int Heads, int KvDim, float Scale, int KvHeads, bool Causal)
    {
        public string Attribute => string.Create(CultureInfo.InvariantCulture,
            $"[CrossAttention({Lq}, {Lkv}, {D}, {Heads}{(KvDim != 0 ? $", KvDim = {KvDim}" : "")}{(Scale != 0 ? $", Scale = {Scale:R}f" : "")}{(KvHeads != 0 ? $", KvHeads = {KvHeads}" : "")}{(Causal ? ", Causal = true" : "")})]");
    }

    private static List<DrawnShape> Draw(Random random)
    {
        var shapes = new List<DrawnShape>();
        for (int i = 0; i < ShapeCount; i++)
        {
            // Mostly small shapes (every head-size tail 1..40, key tails), some large enough to loop over keys or
            // queries, a few with head sizes past 256 that loop over the head dimension.
            int kind = random.Next(11);
            int dh = kind == 9 ? 257 + random.Next(40) : 1 + random.Next(kind < 6 ? 40 : 80);
            int heads = kind == 9 ? 1 : 1 + random.Next(4);
            int lq = kind >= 7 ? 1 + random.Next(48) : 1 + random.Next(9);
            int lkv = kind >= 6 ? 1 + random.Next(300) : 1 + random.Next(20);
            if (kind == 10)
            {
                // Heads of 8 columns, an even count up to 16, over at most 8 keys: two heads to a 512-bit vector.
                (dh, heads, lq, lkv) = (8, 2 * (1 + random.Next(8)), 1 + random.Next(12), 1 + random.Next(8));
            }

            int kvDim = random.Next(4) == 0 ? 1 + random.Next(100) : 0;
            float scale = random.Next(4) == 0 ? (float)Math.Round((random.NextDouble() * 2) - 1, 3) : 0f;
            // A third of them with grouped-query heads: any divisor of the head count (1, multi-query, included).
            int[] divisors = Enumerable.Range(1, heads).Where(n => heads % n == 0).ToArray();
            int kvHeads = random.Next(3) == 0 ? divisors[random.Next(divisors.Length)] : 0;
            // A quarter causal, where the rows allow it (Lq <= Lkv).
            bool causal = lq <= lkv && random.Next(4) == 0;
            shapes.Add(new DrawnShape($"Drawn{i}", lq, lkv, dh * heads, heads, kvDim, scale == 0 ? 0.5f : scale, kvHeads, causal));
        }

        return shapes;
    }

    [Fact]
    public void Random_shapes_compile_without_warnings_and_match_the_reference()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("CXA_TEST_SEED"), out int fixedSeed) ? fixedSeed : Environment.TickCount;
        _output.WriteLine($"seed {seed} (rerun with CXA_TEST_SEED={seed})");
        List<DrawnShape> shapes = Draw(new Random(seed));

        var source = new StringBuilder("using CrossAttention;\nnamespace Drawn;\n");
        foreach (DrawnShape shape in shapes)
        {
            source.AppendLine(CultureInfo.InvariantCulture, $"{shape.Attribute} public static partial class {shape.Name};");
            _output.WriteLine($"{shape.Name}: {shape.Attribute}");
        }

        var (compilation, generatorDiagnostics, run) = GeneratorHarness.Run(GeneratorHarness.Compile($"Drawn{seed}", source.ToString()));
        Assert.Equal(shapes.Count, run.GeneratedTrees.Length);
        Assert.All(generatorDiagnostics, d => Assert.Equal(DiagnosticSeverity.Info, d.Severity));
        Assert.Empty(GeneratorHarness.WarningsAndErrors(compilation));

        Assembly assembly = Load(compilation);
        foreach (DrawnShape drawn in shapes)
        {
            ICrossAttention registered = Kernel(assembly, $"Drawn.{drawn.Name}");
            CrossAttentionShape shape = registered.Shape;
            Assert.Equal(new CrossAttentionShape(drawn.Lq, drawn.Lkv, drawn.D, drawn.Heads, drawn.KvDim, drawn.Scale, drawn.KvHeads, drawn.Causal), shape);

            // Every tier generated for the shape (emulated where this CPU lacks it), each against the reference.
            var tiered = (CrossAttention.Kernels.ITieredKernel)registered;
            foreach (KernelPath tier in tiered.Tiers)
            {
                Check(drawn, tiered.OnTier(tier), tier, seed);
            }
        }
    }

    /// <summary>One tier of a drawn shape against the float64 reference: Attend with a mask and weights, then Forward.</summary>
    private static void Check(DrawnShape drawn, ICrossAttention kernel, KernelPath tier, int seed)
    {
        var random = new Random(seed ^ drawn.Name.GetHashCode(StringComparison.Ordinal));
        int batch = 1 + random.Next(2);
        bool[] mask = Data.Mask(random, batch, kernel.Shape.Lkv);
        ReferenceCheck.AttendAndForward(kernel, batch, mask, random, seed, $"{drawn.Name} {drawn.Attribute} {tier} (seed {seed})");
    }

    /// <summary>
    /// The kernel of the generated class <paramref name="className"/> as an object: the instance its assembly registers
    /// for the class's shape, checked to be the class's own (same shape, same path).
    /// </summary>
    internal static ICrossAttention Kernel(Assembly assembly, string className)
    {
        Type type = assembly.GetType(className, throwOnError: true)!;
        var shape = (CrossAttentionShape)type.GetProperty("Shape")!.GetValue(null)!;
        var path = (KernelPath)type.GetProperty("KernelPath")!.GetValue(null)!;
        ICrossAttention kernel = CrossAttentionKernels.RegisteredBy(assembly).First(candidate => candidate.Shape.Equals(shape));
        Assert.Equal(path, kernel.Path);
        return kernel;
    }

    /// <summary>Emits the compilation and loads it into a collectible context that shares this process's runtime.</summary>
    internal static Assembly Load(Compilation compilation)
    {
        using var stream = new MemoryStream();
        EmitResult emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        stream.Position = 0;
        return new AssemblyLoadContext(compilation.AssemblyName, isCollectible: true).LoadFromStream(stream);
    }
}
