using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Reports;

namespace CrossAttention.Bench;

/// <summary>
/// The SPEC §8 tables, computed from a run's reports: one per call kind (<c>Attend</c>, <c>Forward</c>, the decoder
/// step on a <see cref="ProjectedContext"/>, <c>ProjectContext</c>), a row per shape with the generated and generic
/// median time per call, their ratio, GFLOP/s, the fraction of the FMA peak measured in the same run and bytes
/// allocated per call. Printed and written to <c>results/summary.md</c>.
/// </summary>
internal static class BenchSummary
{
    private static readonly CallTable[] Tables =
    [
        new("Attend", typeof(AttendBenchmarks), shape => shape.AttendFlops,
            new("scalar loop ns", row => Cell(row.Ns(Contenders.ScalarLoop), "N1")),
            new("scalar/generic", row => Cell(row.Ns(Contenders.ScalarLoop) / row.Ns(Contenders.Generic), "F2", "×")),
            new("TensorPrimitives ns", row => Cell(row.Ns(Contenders.TensorPrimitives), "N1")),
            new("TensorPrimitives/generic", row => Cell(row.Ns(Contenders.TensorPrimitives) / row.Ns(Contenders.Generic), "F2", "×")),
            OnnxNs, OnnxRatio),
        new("Forward", typeof(ForwardBenchmarks), LayerWork.ForwardFlops,
            new("generated work / projecting work", row => Cell((double)LayerWork.GeneratedForwardFlops(row.Shape) / LayerWork.ForwardFlops(row.Shape), "F3", "×")),
            OnnxNs, OnnxRatio)
        {
            GeneratedFlops = LayerWork.GeneratedForwardFlops,
            Note = "Where many context rows serve few queries, the generated path attends over the raw context with Wk and Wv folded "
                   + "into the queries and results, and does the fraction of the projecting work shown; its GFLOP/s and % of peak count "
                   + "the work it does, the generic path's and ONNX Runtime's the projecting work.",
        },
        new("Decoder step: Forward on a ProjectedContext", typeof(StepBenchmarks), LayerWork.StepFlops,
            OnnxNs, OnnxRatio,
            new("Wq+Wo at bandwidth ns", row => Cell(row.WeightStreamNs, "N1")),
            new("generated / Wq+Wo time", row => Cell(row.Ns(Contenders.Generated) / row.WeightStreamNs, "F2", "×"))),
        new("ProjectContext (refill)", typeof(ProjectContextBenchmarks), LayerWork.ProjectContextFlops),
    ];

    private static Column OnnxNs => new("ONNX Runtime ns", row => Cell(row.Ns(Contenders.OnnxRuntime), "N1"));

    private static Column OnnxRatio => new("ORT/generated", row => Cell(row.Ns(Contenders.OnnxRuntime) / row.Ns(Contenders.Generated), "F2", "×"));

    public static void Write(IReadOnlyList<Summary> summaries)
    {
        BenchmarkReport[] reports = summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null).ToArray();
        CallTable[] tables = Tables.Where(t => reports.Any(r => r.BenchmarkCase.Descriptor.Type == t.Benchmarks)).ToArray();
        if (tables.Length == 0)
        {
            return;
        }

        double? peakGflops = FmaPeakBenchmark.FlopsPerCall / Median(reports, typeof(FmaPeakBenchmark));
        double? bandwidthGBs = MemoryBandwidthBenchmark.BytesPerCall / Median(reports, typeof(MemoryBandwidthBenchmark));
        double? peak512Gflops = Vector512FmaPeakBenchmark.FlopsPerCall / Median(reports, typeof(Vector512FmaPeakBenchmark));
        double? peak128Gflops = Vector128FmaPeakBenchmark.FlopsPerCall / Median(reports, typeof(Vector128FmaPeakBenchmark));
        var markdown = new StringBuilder();
        markdown.AppendLine($"Machine: {MachineName()}  ");
        markdown.AppendLine($"FMA peak (Vector256, 1 thread): {Cell(peakGflops, "F1", " GFLOP/s")}  ");
        markdown.AppendLine(System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated
            ? $"FMA peak (Vector512, 1 thread; what AVX-512 code such as ONNX Runtime's can reach): {Cell(peak512Gflops, "F1", " GFLOP/s")}  "
            : $"FMA peak (Vector512, 1 thread): not accelerated on this CPU (emulated in software: {Cell(peak512Gflops, "F1", " GFLOP/s")})  ");
        markdown.AppendLine($"FMA peak (Vector128, 1 thread): {Cell(peak128Gflops, "F1", " GFLOP/s")}  ");
        markdown.AppendLine($"Memory read bandwidth (Vector256 sum of 1 GiB, 1 thread): {Cell(bandwidthGBs, "F1", " GB/s")}");
        double? fmaOne = MedianOf(reports, typeof(FmaThreadsBenchmark), nameof(FmaThreadsBenchmark.FmaOneThread));
        double? fmaTwo = MedianOf(reports, typeof(FmaThreadsBenchmark), nameof(FmaThreadsBenchmark.FmaTwoThreads));
        if (fmaOne is not null && fmaTwo is not null)
        {
            markdown.AppendLine();
            markdown.AppendLine($"FMA throughput, 2 threads against 1 (Vector256): {Cell(2 * FmaThreadsBenchmark.FlopsPerThread / fmaTwo, "F1", " GFLOP/s")} "
                                + $"against {Cell(FmaThreadsBenchmark.FlopsPerThread / fmaOne, "F1", " GFLOP/s")}, {Cell(2 * fmaOne / fmaTwo, "F2", "×")} "
                                + "(the most a second thread can add to code at the FMA peak)");
        }

        double? fma512One = MedianOf(reports, typeof(FmaThreadsBenchmark), nameof(FmaThreadsBenchmark.Fma512OneThread));
        double? fma512Two = MedianOf(reports, typeof(FmaThreadsBenchmark), nameof(FmaThreadsBenchmark.Fma512TwoThreads));
        if (fma512One is not null && fma512Two is not null && System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated)
        {
            markdown.AppendLine();
            markdown.AppendLine($"FMA throughput, 2 threads against 1 (Vector512): {Cell(2 * FmaThreadsBenchmark.FlopsPerThread512 / fma512Two, "F1", " GFLOP/s")} "
                                + $"against {Cell(FmaThreadsBenchmark.FlopsPerThread512 / fma512One, "F1", " GFLOP/s")}, {Cell(2 * fma512One / fma512Two, "F2", "×")}");
        }
        double? ceiling = MedianOf(reports, typeof(MicroKernelCeilingBenchmark), nameof(MicroKernelCeilingBenchmark.MicroKernelInL1));
        if (ceiling is not null)
        {
            double? ceilingGflops = MicroKernelCeilingBenchmark.FlopsPerCall / ceiling;
            markdown.AppendLine();
            markdown.AppendLine($"Register-blocked 6×16 micro-kernel on data in L1 (Vector256, 1 thread; the most a projection reaches in JIT code here): "
                                + $"{Cell(ceilingGflops, "F1", " GFLOP/s")}, {Cell(100 * ceilingGflops / peakGflops, "F0", "% of the FMA peak")}");
        }

        var peaks = new Dictionary<KernelPath, double?>
        {
            [KernelPath.Specialized512] = peak512Gflops,
            [KernelPath.Specialized256] = peakGflops,
            [KernelPath.Specialized128] = peak128Gflops,
        };
        foreach (CallTable table in tables)
        {
            markdown.AppendLine();
            markdown.AppendLine($"### {table.Title}");
            markdown.AppendLine();
            if (table.Note is not null)
            {
                markdown.AppendLine(table.Note);
                markdown.AppendLine();
            }

            table.Append(markdown, reports, peaks, peakGflops, bandwidthGBs);
        }

        AppendTiers(markdown, reports, peaks);

        string text = markdown.ToString();
        Console.WriteLine();
        Console.WriteLine(text);
        string path = Path.Combine(summaries[0].ResultsDirectoryPath, "summary.md");
        File.WriteAllText(path, text);
        Console.WriteLine($"Written to {path}");

        // The chart is drawn from the summary's own tables, so `--chart <summary.md>` redraws it from a saved summary.
        string chart = Path.ChangeExtension(path, ".svg");
        File.WriteAllText(chart, BenchChart.FromSummary(text));
        Console.WriteLine($"Chart written to {chart}");
    }

    /// <summary>The CPU's name and family (Linux), for the chart's title.</summary>
    private static string MachineName()
    {
        const string CpuInfo = "/proc/cpuinfo";
        if (!File.Exists(CpuInfo))
        {
            return $"{Environment.ProcessorCount} cores";
        }

        string[] lines = File.ReadLines(CpuInfo).TakeWhile(line => line.Length > 0).ToArray();
        string Field(string name) => lines.FirstOrDefault(line => line.StartsWith(name, StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "?";
        return $"{Field("model name")} (family {Field("cpu family")}, model {Field("model\t")}), {Environment.ProcessorCount} cores";
    }

    /// <summary>
    /// Each tier this CPU runs, per shape and call (<see cref="TierBenchmarks"/>): time per call, GFLOP/s and the
    /// fraction of the FMA peak of the tier's own width.
    /// </summary>
    private static void AppendTiers(StringBuilder markdown, BenchmarkReport[] reports, Dictionary<KernelPath, double?> peaks)
    {
        var tiers = reports.Where(r => r.BenchmarkCase.Descriptor.Type == typeof(TierBenchmarks) && r.BenchmarkCase.Parameters["Case"] is string { Length: > 0 })
            .Select(r => (Case: ((string)r.BenchmarkCase.Parameters["Case"]).Split(' '), Ns: r.ResultStatistics?.Median))
            .ToArray();
        if (tiers.Length == 0)
        {
            return;
        }

        markdown.AppendLine();
        markdown.AppendLine("### By tier");
        markdown.AppendLine();
        markdown.AppendLine("| shape | call | tier | ns | GFLOP/s | % of the tier's FMA peak |");
        markdown.AppendLine("|---|---|---|--:|--:|--:|");
        foreach ((string[] c, double? ns) in tiers)
        {
            CrossAttentionShape shape = BenchShapes.All.Single(s => s.Name == c[0]).Shape;
            var tier = Enum.Parse<KernelPath>(c[2]);
            double? gflops = (c[1] == "Forward" ? LayerWork.GeneratedForwardFlops(shape) : shape.AttendFlops) / ns;
            markdown.AppendLine($"| {c[0]} | {c[1]} | {tier} | {Cell(ns, "N1")} | {Cell(gflops, "F1")} | {Cell(100 * gflops / peaks[tier], "F0", "%")} |");
        }
    }

    /// <summary>One call kind's table: its benchmark class, the work of one call, and any columns only it has.</summary>
    private sealed record CallTable(string Title, Type Benchmarks, Func<CrossAttentionShape, long> Flops, params Column[] Extras)
    {
        /// <summary>
        /// The work the generated path does, where it differs from <see cref="Flops"/> (the work of the generic path and
        /// ONNX Runtime): its GFLOP/s and % of peak count what it computes.
        /// </summary>
        public Func<CrossAttentionShape, long>? GeneratedFlops { get; init; }

        /// <summary>A line printed under the table's title.</summary>
        public string? Note { get; init; }

        /// <summary>
        /// The table's rows. "% peak" is against the FMA peak of the width that ran: the generated path's tier, and for the
        /// generic path <c>Vector&lt;T&gt;</c>'s (<paramref name="genericPeakGflops"/>: 256-bit on x64).
        /// </summary>
        public void Append(StringBuilder markdown, BenchmarkReport[] reports, Dictionary<KernelPath, double?> peaks, double? genericPeakGflops,
                           double? bandwidthGBs)
        {
            markdown.AppendLine(
                "| shape | generated path | generated ns | generic ns | generic/generated | generated GFLOP/s | generic GFLOP/s "
                + "| generated % of its tier's peak | generic % peak | "
                + string.Concat(Extras.Select(c => c.Header + " | "))
                + "alloc B/call (gen/generic) |");
            markdown.AppendLine("|---|---|" + string.Concat(Enumerable.Repeat("--:|", 8 + Extras.Length)));
            foreach (BenchShape shape in BenchShapes.All)
            {
                var row = new Row(shape, reports.Where(r => r.BenchmarkCase.Descriptor.Type == Benchmarks
                                                            && r.BenchmarkCase.Descriptor.Categories.Contains(shape.Name)).ToArray(),
                                  bandwidthGBs);
                BenchmarkReport? generated = row.Find(Contenders.Generated), generic = row.Find(Contenders.Generic);
                if (generated is null && generic is null)
                {
                    continue;
                }

                double? genNs = row.Ns(Contenders.Generated), genericNs = row.Ns(Contenders.Generic);
                double? genGflops = (GeneratedFlops ?? Flops)(shape.Shape) / genNs, genericGflops = Flops(shape.Shape) / genericNs;
                markdown.AppendLine(
                    $"| {shape.Name} | {shape.GeneratedPath} | {Cell(genNs, "N1")} | {Cell(genericNs, "N1")} "
                    + $"| {Cell(genericNs / genNs, "F2", "×")} | {Cell(genGflops, "F1")} | {Cell(genericGflops, "F1")} "
                    + $"| {Cell(100 * genGflops / peaks.GetValueOrDefault(shape.GeneratedPath), "F0", "%")} "
                    + $"| {Cell(100 * genericGflops / genericPeakGflops, "F0", "%")} | "
                    + string.Concat(Extras.Select(c => c.Value(row) + " | "))
                    + $"{Allocated(generated)} / {Allocated(generic)} |");
            }
        }
    }

    /// <summary>A column only some tables have.</summary>
    private sealed record Column(string Header, Func<Row, string> Value);

    /// <summary>One shape's reports in one table, and the figures its columns derive from them.</summary>
    private sealed class Row(BenchShape shape, BenchmarkReport[] reports, double? bandwidthGBs)
    {
        public CrossAttentionShape Shape => shape.Shape;

        /// <summary>The time to read <c>Wq</c> and <c>Wo</c> once at the measured bandwidth (bytes / (bytes/ns)).</summary>
        public double? WeightStreamNs => LayerWork.QueryAndOutputWeightBytes(shape.Shape) / bandwidthGBs;

        public BenchmarkReport? Find(string contender) =>
            reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.WorkloadMethod.Name.EndsWith("_" + contender, StringComparison.Ordinal));

        /// <summary>The contender's median ns per call, or null where it did not run.</summary>
        public double? Ns(string contender) => Find(contender)?.ResultStatistics?.Median;
    }

    private static double? MedianOf(BenchmarkReport[] reports, Type benchmark, string method) =>
        reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == benchmark && r.BenchmarkCase.Descriptor.WorkloadMethod.Name == method)
            ?.ResultStatistics?.Median;

    private static double? Median(BenchmarkReport[] reports, Type benchmark) =>
        reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == benchmark)?.ResultStatistics?.Median;

    private static string Allocated(BenchmarkReport? report) =>
        report?.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase)?.ToString(CultureInfo.InvariantCulture) ?? "–";

    /// <summary>A number, or a dash where a contender or a machine figure did not run.</summary>
    private static string Cell(double? value, string format, string unit = "") =>
        value is double v ? v.ToString(format, CultureInfo.InvariantCulture) + unit : "–";
}
