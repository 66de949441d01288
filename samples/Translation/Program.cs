using System;
using System.Globalization;
using System.Linq;
using CrossAttention;
using Samples.Shared;

namespace Samples.Translation;

// One decoder step: 1 query (the word being written) over the 4 source words; model width 64, 4 heads of 16.
// The generator fills this class in with Shape, KernelPath, Attend, Forward and ProjectContext for exactly this shape.
[CrossAttention(lq: 1, lkv: 4, d: 64, heads: 4)]
public static partial class DecoderCrossAttention;

public static class Program
{
    private static readonly string[] Source = ["The", "quick", "brown", "fox"];
    private static readonly string[] Target = ["Le", "renard", "brun", "rapide"];

    // The meaning each French word carries, as the index of the English word with the same meaning.
    // Attention should find exactly these: Le→The, renard→fox, brun→brown, rapide→quick.
    private static readonly int[] Meaning = [0, 3, 2, 1];

    // Dimensions 0..3 of the model space are the 4 meanings (the/le, quick/rapide, brown/brun, fox/renard).
    private const int Meanings = 4;
    private const float EmbeddingNoise = 0.2f;

    // How strongly each head's Wq and Wk read the meaning dimensions: heads 0-2 match meanings sharply, head 3 weakly.
    private static readonly float[] HeadGain = [4.0f, 3.5f, 3.0f, 1.5f];

    public static int Main(string[] args)
    {
        if (!SampleConsole.TryParseArguments("Translation", args, out string outputDirectory))
        {
            return 2;
        }

        CrossAttentionShape shape = DecoderCrossAttention.Shape;
        var random = new Random(1789);
        float[] encoderOutput = Embed(shape, [0, 1, 2, 3], random);   // [1, 4, 64]: "The quick brown fox"
        float[] decoderStates = Embed(shape, Meaning, random);         // one [1, 1, 64] query per step
        CrossAttentionWeights weights = BuildWeights(shape);

        TellTheStory(shape);
        SampleConsole.KernelPathLine(DecoderCrossAttention.KernelPath);

        // The source sentence does not change while the decoder writes: project its keys and values once ...
        ProjectedContext source = DecoderCrossAttention.ProjectContext(encoderOutput, weights);
        Console.WriteLine($"  ProjectContext: the {source.Shape.Lkv} source words' keys and values projected once (batch {source.Batch}); every step reuses them.");

        // ... then each step is one query row attending to it.
        SampleConsole.Heading("Decoder steps: Forward(query of 1 word, projected source) with attention weights");
        float[] stepOutput = new float[shape.D];
        float[] stepWeights = new float[shape.WeightsLength];   // [1, 4 heads, 1, 4]
        float[] table = new float[Target.Length * Source.Length];
        bool asExpected = true;
        for (int step = 0; step < Target.Length; step++)
        {
            DecoderCrossAttention.Forward(decoderStates.AsSpan(step * shape.D, shape.D), source, weights, stepOutput,
                                          ReadOnlySpan<bool>.Empty, stepWeights);
            float[] average = SampleConsole.AverageOverHeads(stepWeights, shape);
            average.CopyTo(table, step * Source.Length);

            int best = Array.IndexOf(average, average.Max());
            string perHead = string.Join(' ', Enumerable.Range(0, shape.Heads).Select(h =>
                stepWeights[(h * shape.Lkv) + best].ToString("0.00", CultureInfo.InvariantCulture)));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  step {step + 1}  {Target[step],-7}→ {Source[best],-6}({average[best]:0.00})    per head: {perHead}"));
            asExpected &= best == Meaning[step];
        }

        Console.WriteLine();
        Console.WriteLine("  \"rapide\" is written last but attends to \"quick\", the second source word: attention follows");
        Console.WriteLine("  meaning, not position. Head 3 reads the meanings weakly, so its weights stay spread out.");

        SampleConsole.Heading("Attention weights, averaged over the 4 heads (rows: decoder steps, columns: source words)");
        var map = new HeatMap("French step x English source (mean of 4 heads)", Target, Source, table);
        map.Print();
        Console.WriteLine();
        SampleConsole.SaveImage(map.ToImage(cellSize: 64), outputDirectory, "translation-attention.png");

        if (!asExpected)
        {
            Console.WriteLine("  UNEXPECTED: a step did not attend most to the word it translates.");
            return 1;
        }

        return 0;
    }

    private static void TellTheStory(CrossAttentionShape shape)
    {
        Console.WriteLine("Translation: a decoder writes \"Le renard brun rapide\", one word per step, reading the");
        Console.WriteLine("encoder's output for \"The quick brown fox\" through cross-attention.");
        Console.WriteLine();
        Console.WriteLine("  queries (sequence A):  the decoder state of the word being written     1 x 64 per step");
        Console.WriteLine("  keys/values (seq. B):  the encoder output of the 4 source words        4 x 64");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  shape: Lq={shape.Lq}, Lkv={shape.Lkv}, D={shape.D}, {shape.Heads} heads of {shape.HeadSize}, scale {shape.Scale:0.####}"));
        Console.WriteLine();
        SampleConsole.ConstructedNotice(
            "The embeddings and weights are constructed: every source word",
            "and decoder state carries its meaning in one of 4 \"meaning\" dimensions (the/le, quick/rapide,",
            "brown/brun, fox/renard) plus seeded noise; the weights are seeded nn.Linear-style random values",
            "with a near-identity added on those 4 dimensions in Wq and Wk (each head with its own strength).",
            "A trained model learns such a shared subspace; here it is written in by hand.");
        Console.WriteLine();
    }

    /// <summary>One row of D per word: 1 in the word's meaning dimension, seeded noise everywhere.</summary>
    private static float[] Embed(CrossAttentionShape shape, int[] meanings, Random random)
    {
        float[] rows = new float[meanings.Length * shape.D];
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i] = ((random.NextSingle() * 2) - 1) * EmbeddingNoise;
        }

        for (int word = 0; word < meanings.Length; word++)
        {
            rows[(word * shape.D) + meanings[word]] += 1f;
        }

        return rows;
    }

    /// <summary>
    /// Seeded random weights (U(±1/√64), as nn.Linear draws them), then in every head h the query and key columns
    /// h·16 + m read meaning dimension m with strength HeadGain[h]: matching meanings give large scores.
    /// </summary>
    private static CrossAttentionWeights BuildWeights(CrossAttentionShape shape)
    {
        CrossAttentionWeights weights = CrossAttentionWeights.CreateRandom(shape, seed: 42);
        Span<float> wq = weights.Wq, wk = weights.Wk;   // [D, D] and [D, KvDim]: row = output column, column = input
        for (int h = 0; h < shape.Heads; h++)
        {
            for (int m = 0; m < Meanings; m++)
            {
                int output = (h * shape.HeadSize) + m;
                wq[(output * shape.D) + m] += HeadGain[h];
                wk[(output * shape.KvDim) + m] += HeadGain[h];
            }
        }

        return weights;
    }
}
