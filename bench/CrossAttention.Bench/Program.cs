using System;
using System.Linq;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Perfolizer.Horology;

namespace CrossAttention.Bench;

internal static class Program
{
    /// <summary>
    /// <c>--smoke</c> validates every benchmark body once and exits; <c>--chart &lt;summary.md&gt;</c> redraws a saved
    /// summary's chart; anything else goes to BenchmarkSwitcher
    /// (<c>--filter</c>, <c>--list</c>, …), no arguments meaning every benchmark.
    /// </summary>
    public static int Main(string[] args)
    {
        if (args.Contains("--smoke"))
        {
            return SmokeRun.Run();
        }

        if (args is ["--chart", string summary])
        {
            // Redraws the chart of a saved summary (summary.md → summary.svg beside it), without running anything.
            string chart = System.IO.Path.ChangeExtension(summary, ".svg");
            System.IO.File.WriteAllText(chart, BenchChart.FromSummary(System.IO.File.ReadAllText(summary)));
            Console.WriteLine($"Chart written to {chart}");
            return 0;
        }

        Summary[] summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(WithMachineFigures(args), Config()).ToArray();
        BenchSummary.Write(summaries);
        return 0;
    }

    /// <summary>
    /// A short job, about 15 s per case on a 2-core machine, each case in a process of its own (BenchmarkDotNet's default
    /// toolchain: one build of a copy of this project per run, then a process per case). Run in one process, a case
    /// inherited the state of every case before it: medium <c>Attend</c> on the 256-bit tier took 206–239 µs after the
    /// thread benchmarks against 174–175 µs alone (Zen 5), so "% of peak" depended on a case's place in the run.
    /// </summary>
    private static ManualConfig Config() => ManualConfig.Create(DefaultConfig.Instance)
        .AddJob(Job.Default
            .WithWarmupCount(4)
            .WithIterationCount(12)
            .WithIterationTime(TimeInterval.FromMilliseconds(400))
            .WithId("Short"))
        .AddColumn(StatisticColumn.Median)
        .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));

    /// <summary>
    /// Every filtered run also measures the FMA peak and the memory bandwidth, so the summary can always give % of peak
    /// and the decoder step against the time to stream its weights.
    /// </summary>
    private static string[] WithMachineFigures(string[] args)
    {
        if (args.Length == 0)
        {
            return ["--filter", "*"];
        }

        int filter = Array.FindIndex(args, a => a is "--filter" or "-f");
        return filter < 0 ? args : [.. args[..(filter + 1)], "*FmaPeak*", "*MemoryBandwidth*", .. args[(filter + 1)..]];
    }
}
