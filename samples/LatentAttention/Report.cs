using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using CrossAttention;

namespace Samples.Latent;

/// <summary>Console tables for the sample. Numbers use the invariant culture so the output reads the same everywhere.</summary>
internal static class Report
{
    private const int HeadsPerBlock = 4;

    public static void Heading(string title)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine(new string('-', title.Length));
    }

    public static void KernelPathLine(string who, KernelPath path)
    {
        string meaning = path switch
        {
            KernelPath.Specialized512 => "the generated Vector512 code for this exact shape",
            KernelPath.Specialized256 => "the generated Vector256 code for this exact shape",
            KernelPath.Specialized128 => "the generated Vector128 code for this exact shape",
            KernelPath.GenericVector => "the generic fallback, vectorized",
            KernelPath.GenericScalar => "the generic fallback, scalar",
            _ => "unknown",
        };
        Console.WriteLine($"  Kernel path, {who}: {path} ({meaning})");
    }

    /// <summary>Weights are [B, Heads, Lq, Lkv]; this is the probability that token <paramref name="t"/> gives latent <paramref name="j"/> in head <paramref name="h"/> (batch item 0).</summary>
    private static float Weight(CrossAttentionShape s, float[] weights, int h, int t, int j) =>
        weights[(((h * s.Lq) + t) * s.Lkv) + j];

    /// <summary>The 8 per-head 4×2 tables, four heads side by side.</summary>
    public static void PerHeadWeights(CrossAttentionShape s, float[] weights)
    {
        Heading("Attention weights per head (each row sums to 1)");
        for (int first = 0; first < s.Heads; first += HeadsPerBlock)
        {
            int last = Math.Min(first + HeadsPerBlock, s.Heads);
            var title = new StringBuilder("  token  ");
            var columns = new StringBuilder("         ");
            for (int h = first; h < last; h++)
            {
                title.Append(CultureInfo.InvariantCulture, $"|   head {h}    ");
                columns.Append(CultureInfo.InvariantCulture, $"|  {Program.Latents[0]}    {Program.Latents[1]}   ");
            }

            Console.WriteLine(title.ToString().TrimEnd());
            Console.WriteLine(columns.ToString().TrimEnd());
            for (int t = 0; t < s.Lq; t++)
            {
                var row = new StringBuilder().Append(CultureInfo.InvariantCulture, $"  {Program.Tokens[t],-7}");
                for (int h = first; h < last; h++)
                {
                    row.Append(CultureInfo.InvariantCulture, $"| {Weight(s, weights, h, t, 0):0.00}  {Weight(s, weights, h, t, 1):0.00}  ");
                }

                Console.WriteLine(row.ToString().TrimEnd());
            }

            if (last < s.Heads)
            {
                Console.WriteLine();
            }
        }
    }

    /// <summary>The head-averaged 4×2 matrix, with a bar and a one-word reading per token.</summary>
    public static void AveragedWeights(CrossAttentionShape s, float[] weights)
    {
        Heading($"Averaged over the {s.Heads} heads");
        Console.WriteLine($"  token     {Program.Latents[0]}     {Program.Latents[1]}     # = share of {Program.Latents[0]}, . = share of {Program.Latents[1]}");
        const int BarWidth = 20;
        const double Clear = 0.65; // above this share a token clearly prefers one summary
        for (int t = 0; t < s.Lq; t++)
        {
            double l1 = 0, l2 = 0;
            for (int h = 0; h < s.Heads; h++)
            {
                l1 += Weight(s, weights, h, t, 0);
                l2 += Weight(s, weights, h, t, 1);
            }

            l1 /= s.Heads;
            l2 /= s.Heads;
            int filled = (int)Math.Round(l1 * BarWidth);
            string bar = new string('#', filled) + new string('.', BarWidth - filled);
            string reading = l1 > Clear ? $"mostly {Program.Latents[0]} ({Program.LatentMeaning[0]})"
                : l2 > Clear ? $"mostly {Program.Latents[1]} ({Program.LatentMeaning[1]})"
                : "splits between both, leaning " + (l1 >= l2 ? Program.Latents[0] : Program.Latents[1]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {Program.Tokens[t],-7} {l1:0.000}  {l2:0.000}    [{bar}]  {reading}"));
        }

    }

    /// <summary>
    /// Columns 0..3 belong to head 0, so each printed output value is the blend
    /// P(L1)·v(L1) + P(L2)·v(L2) with head 0's weights for that token: the token's "answer".
    /// </summary>
    public static void OutputSummary(CrossAttentionShape s, float[] v, float[] output)
    {
        Heading($"Output [{s.Lq} x {s.D}]: each token's blend of the two value rows");
        const int Shown = 4;
        Console.WriteLine("  row         columns 0..3 (head 0)            |row| (all 64)");
        PrintRow("v(L1)", v.AsSpan(0, s.D), Shown);
        PrintRow("v(L2)", v.AsSpan(s.D, s.D), Shown);
        for (int t = 0; t < s.Lq; t++)
        {
            PrintRow(Program.Tokens[t], output.AsSpan(t * s.D, s.D), Shown);
        }

        Console.WriteLine("  Each token's values lie between v(L1) and v(L2), closer to the summary it attends to");
        Console.WriteLine("  (in head 0: \"quick\" and \"brown\" sit near v(L1), \"fox\" near v(L2)).");
    }

    private static void PrintRow(string label, ReadOnlySpan<float> row, int shown)
    {
        var line = new StringBuilder().Append(CultureInfo.InvariantCulture, $"  {label,-7}");
        double squares = 0;
        for (int i = 0; i < row.Length; i++)
        {
            squares += (double)row[i] * row[i];
        }

        for (int i = 0; i < shown; i++)
        {
            line.Append(CultureInfo.InvariantCulture, $"  {row[i],8:0.0000}");
        }

        line.Append(CultureInfo.InvariantCulture, $"    {Math.Sqrt(squares):0.0000}");
        Console.WriteLine(line.ToString());
    }
}

/// <summary>
/// The child process's report: one marker line per item, floats written with "R" (round-trip) in the invariant
/// culture so the parent reads back exactly the bits the child computed.
/// </summary>
internal static class Markers
{
    private const string PathMarker = "#path";
    private const string OutputMarker = "#output";
    private const string WeightsMarker = "#weights";

    public sealed record Result(KernelPath Path, float[] Output, float[] Weights);

    public static void Write(TextWriter writer, KernelPath path, float[] output, float[] weights)
    {
        writer.WriteLine($"{PathMarker} {path}");
        writer.WriteLine($"{OutputMarker} {Join(output)}");
        writer.WriteLine($"{WeightsMarker} {Join(weights)}");
    }

    public static bool TryParse(string text, out Result result)
    {
        result = new Result(default, [], []);
        KernelPath? path = null;
        float[]? output = null, weights = null;
        foreach (string line in text.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (parts[0])
            {
                case PathMarker when parts.Length == 2 && Enum.TryParse(parts[1], out KernelPath p):
                    path = p;
                    break;
                case OutputMarker:
                    output = ParseFloats(parts);
                    break;
                case WeightsMarker:
                    weights = ParseFloats(parts);
                    break;
            }
        }

        if (path is null || output is null || weights is null)
        {
            return false;
        }

        result = new Result(path.Value, output, weights);
        return true;
    }

    private static string Join(float[] values)
    {
        var parts = new List<string>(values.Length);
        foreach (float value in values)
        {
            parts.Add(value.ToString("R", CultureInfo.InvariantCulture));
        }

        return string.Join(' ', parts);
    }

    private static float[]? ParseFloats(string[] parts)
    {
        float[] values = new float[parts.Length - 1];
        for (int i = 1; i < parts.Length; i++)
        {
            if (!float.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out values[i - 1]))
            {
                return null;
            }
        }

        return values;
    }
}
