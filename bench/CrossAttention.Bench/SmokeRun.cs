using System;
using System.Globalization;
using System.Linq;
using System.Reflection;
using BenchmarkDotNet.Attributes;

namespace CrossAttention.Bench;

/// <summary>
/// <c>--smoke</c>: runs every benchmark body once, in process, and validates what it computed, so CI catches a broken
/// or wrong benchmark in seconds without a BenchmarkDotNet run. Bodies of an <see cref="ICheckedBenchmarks"/> class
/// must match their category's baseline within SPEC §6's 1e-5 absolute + 1e-5 relative; other bodies must return a
/// finite value.
/// </summary>
internal static class SmokeRun
{
    private const double Tolerance = 1e-5;

    /// <summary>Returns the number of failed bodies (the process exit code).</summary>
    public static int Run()
    {
        foreach (BenchShape shape in BenchShapes.All)
        {
            Console.WriteLine($"{shape.Name,-8} {shape.GeneratedPath,-12} {shape.Shape}");
        }

        int failures = 0;
        foreach (Type type in typeof(SmokeRun).Assembly.GetExportedTypes().Where(t => BenchmarkMethods(t).Length > 0))
        {
            object instance = Activator.CreateInstance(type)!;
            foreach (MethodInfo setup in type.GetMethods().Where(m => m.IsDefined(typeof(GlobalSetupAttribute))))
            {
                setup.Invoke(instance, null);
            }

            failures += instance is ICheckedBenchmarks checkedBenchmarks
                ? CheckAgainstBaselines(type, checkedBenchmarks)
                : CheckFinite(type, instance);
        }

        failures += CheckChart();
        Console.WriteLine(failures == 0 ? "smoke: all OK" : $"smoke: {failures} FAILED");
        return failures;
    }

    /// <summary>
    /// The chart a full run writes, drawn from a made-up summary: well-formed SVG, a bar per time (a dash drawn nowhere;
    /// tier rows replacing the generated time where a call has them), each bar's length the log of its time on an axis
    /// of whole decades around them all.
    /// </summary>
    private static int CheckChart()
    {
        const string Summary = """
            Machine: test CPU  
            ### Attend

            | shape | generated path | generated ns | generic ns | ONNX Runtime ns |
            |---|---|--:|--:|--:|
            | latent | Specialized256 | 900.0 | 4,200.0 | 31,000.0 |
            | medium | Specialized256 | 420,000.0 | 1,900,000.0 | 380,000.0 |

            ### Decoder step: Forward on a ProjectedContext

            | shape | generated path | generated ns | generic ns | ONNX Runtime ns |
            |---|---|--:|--:|--:|
            | decode | Specialized256 | 12,500.0 | – | 20,000.0 |

            ### By tier

            | shape | call | tier | ns | GFLOP/s | % of the tier's FMA peak |
            |---|---|---|--:|--:|--:|
            | latent | Attend | Specialized256 | 850.0 | 7.0 | 10% |
            | latent | Attend | Specialized128 | 1,100.0 | 5.0 | 12% |
            """;
        System.Xml.Linq.XElement svg = System.Xml.Linq.XElement.Parse(BenchChart.FromSummary(Summary));
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        double[] widths = svg.Elements(ns + "rect").Where(r => r.Element(ns + "title") is not null)
            .Select(r => double.Parse((string)r.Attribute("width")!, CultureInfo.InvariantCulture)).ToArray();
        // latent: 2 tiers + generic + ORT; medium: generated + generic + ORT; decode: generated + ORT (generic is a dash).
        // Axis 100 ns .. 10 ms (5 decades) over 960 - 150 - 90 = 720 px: 850 ns is log10(8.5) decades past 100 ns.
        double expected850 = Math.Log10(8.5) / 5 * 720;
        bool ok = widths.Length == 9 && Math.Abs(widths[0] - expected850) < 0.1 && widths[0] < widths[1] && widths[1] < widths[2]
                  && svg.ToString().Contains("test CPU", StringComparison.Ordinal)
                  && BenchChart.Time(850) == "850 ns" && BenchChart.Time(12_500) == "12.5 µs" && BenchChart.Time(1_900_000) == "1.9 ms";
        Console.WriteLine($"{(ok ? "ok  " : "FAIL")} BenchChart: {widths.Length} bars, 850 ns drawn {(widths.Length > 0 ? widths[0] : 0):F1} px (expected {expected850:F1})");
        return ok ? 0 : 1;
    }

    private static int CheckAgainstBaselines(Type type, ICheckedBenchmarks instance)
    {
        int failures = 0;
        foreach (IGrouping<string, MethodInfo> group in BenchmarkMethods(type).GroupBy(Category))
        {
            MethodInfo baseline = group.Single(m => m.GetCustomAttribute<BenchmarkAttribute>()!.Baseline);
            float[][] expected = Run(instance, group.Key, baseline);
            failures += Report(baseline, expected.All(output => output.All(float.IsFinite)), "baseline, all finite");

            foreach (MethodInfo method in group.Where(m => m != baseline))
            {
                float[][] actual = Run(instance, group.Key, method);
                double worst = double.NegativeInfinity, maxDiff = 0;
                for (int i = 0; i < expected.Length; i++)
                {
                    worst = Math.Max(worst, WorstExcess(expected[i], actual[i], out double diff));
                    maxDiff = Math.Max(maxDiff, diff);
                }

                failures += Report(method, worst <= 0, string.Create(CultureInfo.InvariantCulture,
                    $"max |diff| vs {baseline.Name} {maxDiff:0.0E+0}"));
            }
        }

        return failures;
    }

    /// <summary>
    /// Runs one body and copies what it wrote. It first sees NaN-filled buffers, so a body that leaves part of its
    /// output unwritten fails.
    /// </summary>
    private static float[][] Run(ICheckedBenchmarks instance, string category, MethodInfo method)
    {
        int count = instance.OutputCount(category);
        for (int i = 0; i < count; i++)
        {
            instance.Output(category, i).Fill(float.NaN);
        }

        method.Invoke(instance, null);
        var outputs = new float[count][];
        for (int i = 0; i < count; i++)
        {
            outputs[i] = instance.Output(category, i).ToArray();
        }

        return outputs;
    }

    private static int CheckFinite(Type type, object instance)
    {
        int failures = 0;
        foreach (MethodInfo method in BenchmarkMethods(type))
        {
            object? result = method.Invoke(instance, null);
            failures += Report(method, result is not float value || float.IsFinite(value),
                string.Create(CultureInfo.InvariantCulture, $"returned {result}"));
        }

        return failures;
    }

    /// <summary>The largest amount by which any element misses the tolerance (≤ 0: all within; NaN counts as a miss).</summary>
    private static double WorstExcess(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, out double maxDiff)
    {
        double worst = double.NegativeInfinity;
        maxDiff = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double diff = Math.Abs((double)actual[i] - expected[i]);
            double excess = double.IsNaN(diff) ? double.PositiveInfinity : diff - Tolerance * (1 + Math.Abs(expected[i]));
            worst = Math.Max(worst, excess);
            maxDiff = Math.Max(maxDiff, diff);
        }

        return worst;
    }

    private static int Report(MethodInfo method, bool ok, string detail)
    {
        Console.WriteLine($"{(ok ? "OK  " : "FAIL")} {method.DeclaringType!.Name}.{method.Name}: {detail}");
        return ok ? 0 : 1;
    }

    private static MethodInfo[] BenchmarkMethods(Type type) =>
        type.GetMethods().Where(m => m.IsDefined(typeof(BenchmarkAttribute))).ToArray();

    private static string Category(MethodInfo method) =>
        method.GetCustomAttribute<BenchmarkCategoryAttribute>()?.Categories.Single() ?? "";
}
