using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.Json;
using CrossAttention;
using Samples.Shared;

namespace Samples.Checkpoint;

// The encoder-decoder attention of a BART/Marian-style translation decoder layer: 6 target tokens over an 11-token
// source sentence, model width 64 in 4 heads of 16, the encoder's states 96 wide (KvDim = 96).
[CrossAttention(lq: 6, lkv: 11, d: 64, heads: 4, KvDim = 96)]
public static partial class EncoderAttention;

// A Llama-style layer: 4 query heads sharing 2 key/value heads (grouped-query attention), no biases, causal rows
// aligned lower-right (5 new tokens after 2 earlier ones: token i sees the 2 + i + 1 tokens up to itself).
[CrossAttention(lq: 5, lkv: 7, d: 64, heads: 4, KvHeads = 2, Causal = true)]
public static partial class GroupedCausalAttention;

public static class Program
{
    private const string Prefix = "model.decoder.layers.0.encoder_attn.";

    public static int Main(string[] args)
    {
        if (!SampleConsole.TryParseArguments("Checkpoint", args, out string outputDirectory))
        {
            return 2;
        }

        string folder = Path.Combine(AppContext.BaseDirectory, "Models");
        string file = Path.Combine(folder, "bart_style_bf16.safetensors");
        CrossAttentionShape shape = EncoderAttention.Shape;

        Console.WriteLine("Trained-model weights: a translation decoder layer's encoder attention, loaded from a safetensors");
        Console.WriteLine("checkpoint in Hugging Face's names and BF16, and run on the generated kernel.");
        Console.WriteLine();
        Console.WriteLine($"  file:   {Path.GetRelativePath(Directory.GetCurrentDirectory(), file)} ({new FileInfo(file).Length:N0} bytes)");
        Console.WriteLine($"  prefix: {Prefix}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  shape:  Lq={shape.Lq}, Lkv={shape.Lkv}, D={shape.D}, {shape.Heads} heads of {shape.HeadSize}, KvDim={shape.KvDim}"));
        Console.WriteLine();
        Console.WriteLine("  CrossAttentionWeights.Load(file, EncoderAttention.Shape, prefix)");

        CrossAttentionWeights weights = CrossAttentionWeights.Load(file, shape, Prefix);
        CheckpointInfo info = weights.Checkpoint!;
        SampleConsole.Heading($"What it read ({info.Naming} names; {info.IgnoredTensors} other tensors in the file ignored)");
        foreach (CheckpointTensor tensor in info.Tensors)
        {
            string dims = "[" + string.Join(", ", tensor.Shape) + "]";
            Console.WriteLine($"  {tensor.Name,-52} {tensor.DType,-5} {dims,-9} -> {tensor.Filled}");
        }

        if (info.ZeroBiases.Count > 0)
        {
            Console.WriteLine($"  (no {string.Join(", ", info.ZeroBiases)} in the file: zeros)");
        }

        // The inputs the checkpoint was checked with, and libtorch's output for them (Models/bart_style_bf16.json).
        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "bart_style_bf16.json")));
        JsonElement root = sidecar.RootElement;
        float[] queries = Floats(root, "queries"), context = Floats(root, "context"), expected = Floats(root, "output");
        bool[] mask = root.GetProperty("mask").EnumerateArray().SelectMany(item => item.EnumerateArray().Select(x => x.GetInt32() == 1)).ToArray();
        int batch = root.GetProperty("batch").GetInt32();

        SampleConsole.Heading("Running it");
        SampleConsole.KernelPathLine(EncoderAttention.KernelPath);
        float[] output = new float[expected.Length];
        float[] attention = new float[batch * shape.WeightsLength];
        EncoderAttention.Forward(queries, context, weights, output, mask, attention);

        double worst = expected.Zip(output, (e, o) => Math.Abs((double)e - o)).Max();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  batch of {batch}; item 1 masks source tokens {string.Join(", ", Enumerable.Range(0, shape.Lkv).Where(j => !mask[shape.Lkv + j]))} (padding)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  output [{batch}, {shape.Lq}, {shape.D}]: row 0 starts {string.Join(", ", output.Take(4).Select(x => x.ToString("0.0000", CultureInfo.InvariantCulture)))}, ..."));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  largest difference from libtorch's output (scaled_dot_product_attention, float32): {worst:0.0e+0}"));

        float[] average = SampleConsole.AverageOverHeads(attention, shape, item: 1);
        string[] targets = Enumerable.Range(0, shape.Lq).Select(i => $"target {i}").ToArray();
        string[] sources = Enumerable.Range(0, shape.Lkv).Select(j => mask[shape.Lkv + j] ? j.ToString(CultureInfo.InvariantCulture) : "pad").ToArray();
        var map = new HeatMap("batch item 1: target tokens over source tokens, averaged over the 4 heads", targets, sources, average)
        {
            ColorMax = average.Max(),
        };
        SampleConsole.Heading("Attention weights (item 1; the padding columns get exactly 0)");
        map.Print();
        Console.WriteLine("  The weights are a checkpoint's, its inputs random: the map shows the mechanics (every row sums to 1,");
        Console.WriteLine("  padding gets nothing), not a learned alignment; the translation sample tells that story.");
        Console.WriteLine();
        SampleConsole.SaveImage(Canvas.Grid([map.ToImage(cellSize: 32)], columns: 1, "bart_style_bf16.safetensors: encoder attention, item 1", Rgb.White),
                                outputDirectory, "checkpoint-attention.png");

        double grouped = GroupedCausal(folder);

        // As the other samples check their story, this one checks the loaded layers against libtorch (SPEC §6's bound).
        if (worst > 2e-5 || grouped > 2e-5 || average.Where((_, i) => sources[i % shape.Lkv] == "pad").Any(x => x != 0))
        {
            Console.Error.WriteLine($"A loaded layer does not reproduce libtorch's output (largest differences {worst:0.0e+0}, {grouped:0.0e+0}).");
            return 1;
        }

        return 0;
    }

    /// <summary>
    /// The Llama-style checkpoint: F16, 2 key/value heads for 4 query heads, no biases, run causal; returns the largest
    /// difference from libtorch's causal output.
    /// </summary>
    private static double GroupedCausal(string folder)
    {
        const string prefix = "model.layers.3.cross_attn.";
        CrossAttentionShape shape = GroupedCausalAttention.Shape;
        SampleConsole.Heading("Grouped-query heads and causal rows: a Llama-style layer in F16");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  shape: Lq={shape.Lq}, Lkv={shape.Lkv}, D={shape.D}, {shape.Heads} query heads over {shape.KvHeads} key/value heads of {shape.HeadSize}, causal"));
        CrossAttentionWeights weights = CrossAttentionWeights.Load(Path.Combine(folder, "llama_style_gqa_f16.safetensors"), shape, prefix);
        foreach (CheckpointTensor tensor in weights.Checkpoint!.Tensors)
        {
            string dims = "[" + string.Join(", ", tensor.Shape) + "]";
            Console.WriteLine($"  {tensor.Name,-52} {tensor.DType,-5} {dims,-9} -> {tensor.Filled}");
        }

        Console.WriteLine($"  (no {string.Join(", ", weights.Checkpoint.ZeroBiases)} in the file: zeros; Wk and Wv have {shape.KeyValueWidth} rows, not {shape.D})");
        SampleConsole.KernelPathLine(GroupedCausalAttention.KernelPath);

        using JsonDocument sidecar = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "llama_style_gqa_f16.json")));
        JsonElement root = sidecar.RootElement;
        float[] queries = Floats(root, "queries"), context = Floats(root, "context"), expected = Floats(root, "outputCausal");
        bool[] mask = root.GetProperty("mask").EnumerateArray().SelectMany(item => item.EnumerateArray().Select(x => x.GetInt32() == 1)).ToArray();
        float[] output = new float[expected.Length];
        float[] attention = new float[root.GetProperty("batch").GetInt32() * shape.WeightsLength];
        GroupedCausalAttention.Forward(queries, context, weights, output, mask, attention);
        double worst = expected.Zip(output, (e, o) => Math.Abs((double)e - o)).Max();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  largest difference from libtorch's causal output (repeat_interleave, scaled_dot_product_attention): {worst:0.0e+0}"));

        // Which keys each row attends in item 0, head 0 (no key mask there): the causal staircase.
        Console.WriteLine("  item 0, head 0: the keys each row attends (x), lower-right aligned:");
        for (int i = 0; i < shape.Lq; i++)
        {
            var row = attention.AsSpan(i * shape.Lkv, shape.Lkv);
            Console.WriteLine("    row " + i.ToString(CultureInfo.InvariantCulture) + "  " + string.Concat(row.ToArray().Select(p => p > 0 ? " x" : " .")));
        }

        return worst;
    }

    private static float[] Floats(JsonElement root, string property) => root.GetProperty(property).EnumerateArray().Select(x => x.GetSingle()).ToArray();
}
