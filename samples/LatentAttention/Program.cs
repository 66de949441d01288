using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Threading.Tasks;
using CrossAttention;
using Samples.Shared;

namespace Samples.Latent;

// One attribute; at build time the generator fills this class in with Shape, KernelPath and Attend,
// specialized to 4 query tokens × 2 latent keys, model width 64, 8 heads of size 8.
[CrossAttention(lq: 4, lkv: 2, d: 64, heads: 8)]
public static partial class LatentAttention;

public static class Program
{
    internal static readonly string[] Tokens = ["The", "quick", "brown", "fox"];
    internal static readonly string[] Latents = ["L1", "L2"];
    internal static readonly string[] LatentMeaning = ["descriptive words", "animal/noun"];

    // The child process gets this argument and prints only marker lines for the parent to parse.
    private const string ChildArgument = "--print-numbers";
    private const double Tolerance = 1e-5;

    // Inside each head's 8 columns, column 0 is the "descriptive" feature and column 1 the "animal/noun"
    // feature; columns 2..7 get small seeded noise so the vectors are not artificially clean.
    private const int DescriptiveColumn = 0;
    private const int AnimalColumn = 1;

    // How much each token leans to each feature (descriptive, animal). "The" belongs to the noun phrase
    // headed by "fox", so it leans a little to the noun side; the adjectives lean clearly to the other.
    private static readonly (float Descriptive, float Animal)[] TokenProfile =
        [(0.2f, 0.5f), (1.0f, 0.1f), (0.9f, 0.3f), (0.1f, 1.0f)];

    // Per-head variety: how sharply each head was built to separate the two summaries.
    // Head 5 gets 0, so it is blind to the difference and should split roughly 50/50.
    private static readonly float[] HeadSharpness = [3.0f, 2.0f, 4.0f, 1.0f, 2.5f, 0.0f, 3.5f, 1.5f];

    public static int Main(string[] args)
    {
        CrossAttentionShape shape = LatentAttention.Shape;
        (float[] q, float[] k, float[] v) = BuildInputs(shape);
        float[] output = new float[shape.QueryLength];
        float[] weights = new float[shape.WeightsLength];

        // Empty key mask = attend to both latents; a non-empty weights span asks for the probabilities.
        LatentAttention.Attend(q, k, v, output, ReadOnlySpan<bool>.Empty, weights);

        if (args is [ChildArgument])
        {
            Markers.Write(Console.Out, LatentAttention.KernelPath, output, weights);
            return 0;
        }

        if (!SampleConsole.TryParseArguments("LatentAttention", args, out string outputDirectory))
        {
            Console.Error.WriteLine($"       (the argument {ChildArgument} is for the self-check child)");
            return 2;
        }

        TellTheStory(shape);
        Report.KernelPathLine("this process", LatentAttention.KernelPath);
        Report.PerHeadWeights(shape, weights);
        Report.AveragedWeights(shape, weights);
        DrawScoreMatrix(shape, weights, outputDirectory);
        Report.OutputSummary(shape, v, output);
        return CompareWithForcedGeneric(output, weights);
    }

    /// <summary>The head-averaged 4×2 matrix once more, as a heat map in the terminal and as latent-attention.png.</summary>
    private static void DrawScoreMatrix(CrossAttentionShape shape, float[] weights, string outputDirectory)
    {
        Report.Heading("The 4 x 2 score matrix: 4 tokens over 2 latent summaries (head-averaged weights)");
        var map = new HeatMap($"4 tokens x 2 latent summaries (mean of {shape.Heads} heads)", Tokens, Latents, SampleConsole.AverageOverHeads(weights, shape));
        map.Print();
        Console.WriteLine();
        SampleConsole.SaveImage(map.ToImage(cellSize: 64), outputDirectory, "latent-attention.png");
    }

    private static void TellTheStory(CrossAttentionShape shape)
    {
        Console.WriteLine("Multi-head latent attention: 4 tokens ask \"which of my 2 latent summaries is relevant to me?\"");
        Console.WriteLine();
        Console.WriteLine("  queries  (sequence A): \"The\" \"quick\" \"brown\" \"fox\"        q: 4 x 64");
        Console.WriteLine("  keys/values (seq. B):  L1 = a \"descriptive words\" summary  k, v: 2 x 64");
        Console.WriteLine("                         L2 = an \"animal/noun\" summary");
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {shape.Heads} heads of size {shape.HeadSize}; per head: P = softmax(q_h . k_h^T * {shape.Scale:0.####}), output_h = P . v_h"));
        Console.WriteLine();
        Console.WriteLine("  NOTE: nothing here is trained. q, k and v are constructed by hand (plus seeded noise)");
        Console.WriteLine("  so the weights tell a readable story: the adjectives \"quick\" and \"brown\" were built to");
        Console.WriteLine("  lean to L1, \"fox\" to L2, and \"The\" slightly to L2. Heads differ in how sharply they");
        Console.WriteLine("  separate the two; head 5 was built blind to the difference.");
        Console.WriteLine();
    }

    /// <summary>The hand-built, already-projected q [4, 64], k [2, 64], v [2, 64] of one batch item.</summary>
    private static (float[] Q, float[] K, float[] V) BuildInputs(CrossAttentionShape shape)
    {
        int d = shape.D, dh = shape.HeadSize;
        float[] q = new float[shape.QueryLength];
        float[] k = new float[shape.KeyValueLength];
        float[] v = new float[shape.KeyValueLength];

        // Fixed seed: every run (and the child process) sees exactly the same numbers.
        var rng = new Random(2024);
        float Noise(float amplitude) => (float)((rng.NextDouble() * 2 - 1) * amplitude);

        for (int i = 0; i < q.Length; i++) q[i] = Noise(0.25f);
        for (int i = 0; i < k.Length; i++) k[i] = Noise(0.25f);
        // The values are the content each summary hands back; random in [-1, 1] is enough to watch the blend.
        for (int i = 0; i < v.Length; i++) v[i] = Noise(1f);

        for (int h = 0; h < shape.Heads; h++)
        {
            int head = h * dh;
            // L1's key says "descriptive", L2's key says "animal/noun", in every head.
            k[(0 * d) + head + DescriptiveColumn] = 2f;
            k[(0 * d) + head + AnimalColumn] = 0f;
            k[(1 * d) + head + DescriptiveColumn] = 0f;
            k[(1 * d) + head + AnimalColumn] = 2f;

            // Each token asks for what it is, as loudly as this head's sharpness allows.
            for (int t = 0; t < shape.Lq; t++)
            {
                q[(t * d) + head + DescriptiveColumn] = HeadSharpness[h] * TokenProfile[t].Descriptive;
                q[(t * d) + head + AnimalColumn] = HeadSharpness[h] * TokenProfile[t].Animal;
            }
        }

        return (q, k, v);
    }

    /// <summary>
    /// Runs this program again with CROSSATTENTION_FORCE_GENERIC=1, so the same inputs go through the generic
    /// fallback, and checks that both runs agree. The variable is read once at start-up, which is why a
    /// second process is needed rather than flipping a switch in this one.
    /// </summary>
    private static int CompareWithForcedGeneric(float[] output, float[] weights)
    {
        Report.Heading("Self-check: the same inputs through the generic fallback (child process)");

        string exe = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot tell this process's executable.");
        var start = new ProcessStartInfo(exe)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // Started as `dotnet LatentAttention.dll`, the executable is the dotnet host: hand it our assembly first.
        if (Path.GetFileNameWithoutExtension(exe).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(Program).Assembly.Location);
        }

        start.ArgumentList.Add(ChildArgument);
        start.Environment[CrossAttentionKernels.ForceGenericEnvironmentVariable] = "1";

        using Process child = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {exe}.");
        // Drain stderr concurrently so a chatty child cannot block on a full pipe.
        Task<string> stderr = child.StandardError.ReadToEndAsync();
        string stdout = child.StandardOutput.ReadToEnd();
        child.WaitForExit();

        if (child.ExitCode != 0 || !Markers.TryParse(stdout, out Markers.Result theirs)
            || theirs.Output.Length != output.Length || theirs.Weights.Length != weights.Length)
        {
            Console.WriteLine($"  FAILED: the child process (exit code {child.ExitCode}) did not report its numbers.");
            Console.WriteLine(stderr.Result);
            return 1;
        }

        Report.KernelPathLine($"child with {CrossAttentionKernels.ForceGenericEnvironmentVariable}=1", theirs.Path);
        if (theirs.Path.IsSpecialized())
        {
            Console.WriteLine("  FAILED: the child still ran the specialized kernel; the environment variable had no effect.");
            return 1;
        }

        if (!LatentAttention.KernelPath.IsSpecialized())
        {
            Console.WriteLine("  (this run already took the generic path, so this compares generic with generic)");
        }

        double outputDiff = MaxAbsDifference(output, theirs.Output);
        double weightsDiff = MaxAbsDifference(weights, theirs.Weights);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  max |difference|  output:  {outputDiff:0.00e+00}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  max |difference|  weights: {weightsDiff:0.00e+00}"));

        // NaN must fail too, hence "not within" rather than "greater than".
        if (!(outputDiff <= Tolerance && weightsDiff <= Tolerance))
        {
            Console.WriteLine($"  FAILED: {LatentAttention.KernelPath} and {theirs.Path} differ by more than 1e-5.");
            return 1;
        }

        Console.WriteLine($"  {LatentAttention.KernelPath} and {theirs.Path} agree within 1e-5.");
        return 0;
    }

    private static double MaxAbsDifference(float[] a, float[] b)
    {
        double max = 0;
        for (int i = 0; i < a.Length; i++)
        {
            // Math.Max propagates NaN, so a NaN on either side cannot pass as "no difference".
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }
}
