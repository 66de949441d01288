using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using BenchmarkDotNet.Reports;

namespace CrossAttention.Bench;

/// <summary>
/// The SPEC §8 <c>Attend</c> table, computed from a run's reports: per shape the generated and generic median time per
/// call, their ratio, GFLOP/s (<see cref="CrossAttentionShape.AttendFlops"/>), the fraction of the FMA peak measured in
/// the same run, allocation per call, and the scalar loop where it ran. Printed and written to
/// <c>results/attend-summary.md</c>.
/// </summary>
internal static class AttendSummary
{
    public static void Write(IReadOnlyList<Summary> summaries)
    {
        BenchmarkReport[] reports = summaries.SelectMany(s => s.Reports).Where(r => r.ResultStatistics is not null).ToArray();
        if (!reports.Any(r => r.BenchmarkCase.Descriptor.Type == typeof(AttendBenchmarks)))
        {
            return;
        }

        BenchmarkReport? fma = reports.FirstOrDefault(r => r.BenchmarkCase.Descriptor.Type == typeof(FmaPeakBenchmark));
        double? peak = fma is null ? null : FmaPeakBenchmark.FlopsPerCall / Median(fma);

        var table = new StringBuilder();
        table.AppendLine($"FMA peak (Vector256, 1 thread): {(peak is null ? "not measured" : Cell(peak, "F1") + " GFLOP/s")}");
        table.AppendLine();
        table.AppendLine("| shape | generated path | generated ns | generic ns | generic/generated | generated GFLOP/s | generic GFLOP/s | generated % peak | generic % peak | scalar loop ns | scalar/generic | alloc B/call (gen/generic) |");
        table.AppendLine("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        foreach (BenchShape shape in BenchShapes.All)
        {
            BenchmarkReport? generated = Find(reports, shape, AttendBenchmarks.Generated);
            BenchmarkReport? generic = Find(reports, shape, AttendBenchmarks.Generic);
            BenchmarkReport? scalar = Find(reports, shape, AttendBenchmarks.ScalarLoop);
            if (generated is null && generic is null)
            {
                continue;
            }

            double? genNs = Median(generated), genericNs = Median(generic), scalarNs = Median(scalar);
            double? genGflops = shape.Shape.AttendFlops / genNs, genericGflops = shape.Shape.AttendFlops / genericNs;
            table.AppendLine(
                $"| {shape.Name} | {shape.GeneratedPath} | {Cell(genNs, "N1")} | {Cell(genericNs, "N1")} " +
                $"| {Cell(genericNs / genNs, "F2", "×")} | {Cell(genGflops, "F1")} | {Cell(genericGflops, "F1")} " +
                $"| {Percent(genGflops, peak)} | {Percent(genericGflops, peak)} | {Cell(scalarNs, "N1")} " +
                $"| {Cell(scalarNs / genericNs, "F2", "×")} | {Allocated(generated)} / {Allocated(generic)} |");
        }

        string markdown = table.ToString();
        Console.WriteLine();
        Console.WriteLine(markdown);
        string path = Path.Combine(summaries[0].ResultsDirectoryPath, "attend-summary.md");
        File.WriteAllText(path, markdown);
        Console.WriteLine($"Written to {path}");
    }

    private static BenchmarkReport? Find(BenchmarkReport[] reports, BenchShape shape, string contender) =>
        reports.FirstOrDefault(r =>
            r.BenchmarkCase.Descriptor.Type == typeof(AttendBenchmarks)
            && r.BenchmarkCase.Descriptor.Categories.Contains(shape.Name)
            && r.BenchmarkCase.Descriptor.WorkloadMethod.Name.EndsWith("_" + contender, StringComparison.Ordinal));

    private static double? Median(BenchmarkReport? report) => report?.ResultStatistics?.Median;

    private static string Percent(double? gflops, double? peak) => Cell(100 * gflops / peak, "F0", "%");

    private static string Allocated(BenchmarkReport? report) =>
        report?.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase)?.ToString(CultureInfo.InvariantCulture) ?? "–";

    /// <summary>A number, or a dash where a contender or the peak did not run.</summary>
    private static string Cell(double? value, string format, string unit = "") =>
        value is double v ? v.ToString(format, CultureInfo.InvariantCulture) + unit : "–";
}
