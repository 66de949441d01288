using System;
using System.IO;
using CrossAttention;

namespace Samples.Shared;

/// <summary>What every sample prints the same way, and its one option, <c>--out &lt;dir&gt;</c> (where images go; default: the current directory).</summary>
public static class SampleConsole
{
    /// <summary>Reads <c>--out &lt;dir&gt;</c>; false (after printing usage) for anything else.</summary>
    public static bool TryParseArguments(string sample, string[] args, out string outputDirectory)
    {
        outputDirectory = Directory.GetCurrentDirectory();
        if (args.Length == 0)
        {
            return true;
        }

        if (args is ["--out", string directory] && directory.Length > 0)
        {
            outputDirectory = directory;
            return true;
        }

        Console.Error.WriteLine($"usage: {sample} [--out <dir>]   (images are written to <dir>, default the current directory)");
        return false;
    }

    public static void Heading(string title)
    {
        Console.WriteLine();
        Console.WriteLine(title);
        Console.WriteLine(new string('-', title.Length));
    }

    /// <summary>"Kernel path: Specialized256 (the generated Vector256 code for this exact shape)".</summary>
    public static void KernelPathLine(KernelPath path, string? who = null)
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
        Console.WriteLine($"  Kernel path{(who is null ? "" : ", " + who)}: {path} ({meaning})");
        if (CrossAttentionKernels.ForceGeneric)
        {
            Console.WriteLine($"  ({CrossAttentionKernels.ForceGenericEnvironmentVariable} is set: the generic path was forced)");
        }
    }

    /// <summary>The honest disclaimer: the numbers are built by hand to tell a story, not learned.</summary>
    public static void ConstructedNotice(params string[] lines)
    {
        Console.WriteLine("  NOTE: nothing here is trained. " + lines[0]);
        foreach (string line in lines.AsSpan(1))
        {
            Console.WriteLine("  " + line);
        }
    }

    /// <summary>Saves <paramref name="image"/> as <paramref name="fileName"/> in <paramref name="directory"/> and says where.</summary>
    public static void SaveImage(Canvas image, string directory, string fileName)
    {
        string path = image.SavePng(Path.Combine(directory, fileName));
        Console.WriteLine($"  Image written: {path}");
    }

    /// <summary>Averages attention weights [B, Heads, Lq, Lkv] over the heads for batch item <paramref name="item"/>: [Lq, Lkv].</summary>
    public static float[] AverageOverHeads(ReadOnlySpan<float> weights, CrossAttentionShape shape, int item = 0)
    {
        int perHead = shape.Lq * shape.Lkv;
        float[] average = new float[perHead];
        ReadOnlySpan<float> itemWeights = weights.Slice(item * shape.Heads * perHead, shape.Heads * perHead);
        for (int h = 0; h < shape.Heads; h++)
        {
            for (int i = 0; i < perHead; i++)
            {
                average[i] += itemWeights[(h * perHead) + i] / shape.Heads;
            }
        }

        return average;
    }
}
