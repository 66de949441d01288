using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CrossAttention;
using Samples.Shared;

namespace Samples.Captioning;

// 6 caption tokens over 7 × 7 = 49 image regions whose features have 768 values (a CNN/ViT-sized feature);
// model width 512, 8 heads of 64. The context's 768 features are projected to 512 by Wk and Wv.
[CrossAttention(lq: 6, lkv: 49, d: 512, heads: 8, KvDim = 768)]
public static partial class CaptionAttention;

public static class Program
{
    private const int GridSize = 7;
    private static readonly string[] Caption = ["a", "red", "car", "parked", "near", "trees"];

    public static int Main(string[] args)
    {
        if (!SampleConsole.TryParseArguments("Captioning", args, out string outputDirectory))
        {
            return 2;
        }

        CrossAttentionShape shape = CaptionAttention.Shape;
        var random = new Random(2012);
        float[] regions = Scene.RegionFeatures(shape, random);          // [1, 49, 768]
        float[] tokens = Scene.TokenEmbeddings(shape, Caption, random);  // [1, 6, 512]
        CrossAttentionWeights weights = Scene.Weights(shape);

        TellTheStory(shape);
        SampleConsole.KernelPathLine(CaptionAttention.KernelPath);

        float[] output = new float[shape.Lq * shape.D];
        float[] attention = new float[shape.WeightsLength];   // [1, 8 heads, 6 tokens, 49 regions]
        CaptionAttention.Forward(tokens, regions, weights, output, ReadOnlySpan<bool>.Empty, attention);
        float[] average = SampleConsole.AverageOverHeads(attention, shape);   // [6, 49]

        SampleConsole.Heading("Where each caption token looks (share of its attention per scene element, averaged over heads)");
        for (int t = 0; t < Caption.Length; t++)
        {
            Console.WriteLine($"  {Caption[t],-7} {Scene.Describe(average.AsSpan(t * shape.Lkv, shape.Lkv))}");
        }

        SampleConsole.Heading("Each token's attention over the 7 x 7 regions, averaged over the 8 heads (numbers in %)");
        float hottest = average.Max();
        string[] labels = Enumerable.Range(0, GridSize).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();
        HeatMap[] maps = Enumerable.Range(0, Caption.Length)
            .Select(t => new HeatMap($"\"{Caption[t]}\"", labels, labels, average.AsSpan(t * shape.Lkv, shape.Lkv))
            {
                ColorMax = hottest,
                Format = HeatMap.Percent,
                Legend = "weight (cells in %)",
            })
            .ToArray();
        TerminalHeatMap.Print(maps, perRow: 3);
        Console.WriteLine("  (the colour scale tops out at the largest weight of any token, so the maps compare with each other)");
        Console.WriteLine();

        var panels = new List<Canvas> { Scene.Image(cellSize: 32) };
        panels.AddRange(maps.Select(map => map.ToImage(cellSize: 32)));
        Canvas image = Canvas.Grid(panels, columns: 4, "\"a red car parked near trees\": caption tokens over 7x7 regions (constructed, not trained)", Rgb.White);
        SampleConsole.SaveImage(image, outputDirectory, "captioning-attention.png");
        return 0;
    }

    private static void TellTheStory(CrossAttentionShape shape)
    {
        Console.WriteLine("Image captioning: the caption \"a red car parked near trees\" reads a 7 x 7 grid of image regions");
        Console.WriteLine("through cross-attention: each token asks \"which regions show what I am about?\"");
        Console.WriteLine();
        Console.WriteLine("  queries (sequence A):  6 caption tokens                                 6 x 512");
        Console.WriteLine("  keys/values (seq. B):  49 image regions, a 768-value feature each       49 x 768 (KvDim = 768)");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  shape: Lq={shape.Lq}, Lkv={shape.Lkv}, D={shape.D}, {shape.Heads} heads of {shape.HeadSize}, KvDim={shape.KvDim}, scale {shape.Scale:0.####}"));
        Console.WriteLine();
        Console.WriteLine("  The scene (row 0 at the top):");
        foreach (string line in Scene.Describe())
        {
            Console.WriteLine("    " + line);
        }

        Console.WriteLine();
        SampleConsole.ConstructedNotice(
            "There is no image and no vision model: each region's 768 features",
            "are built from what the region shows (sky, trees, grass, road, red car body, car wheels), each",
            "a fixed random direction in feature space, plus seeded noise. The token embeddings, and the",
            "seeded nn.Linear-style weights with a matching subspace added to Wq and Wk, are constructed too,",
            "so that \"red\" matches red regions, \"car\" the car's regions, and so on. \"a\" asks for nothing.");
        Console.WriteLine();
    }
}
