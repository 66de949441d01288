using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using CrossAttention.Gen.Tests.Kernels;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Loading;

/// <summary>
/// The checkpoints of Models/, written by PyTorch tooling (nn.MultiheadAttention state dicts, packed and separate;
/// Hugging Face names in BF16 with a prefix and unrelated tensors): loaded, they hold exactly the stored values, and
/// <c>Forward</c> on them matches libtorch's output and the float64 reference on the generated and generic paths. The
/// Llama-style F16 file has grouped-query heads (4 query heads over 2 key/value heads, repeat_interleave) and no biases,
/// and an output with the causal mask as well.
/// </summary>
public sealed class CheckpointFixtureTests
{
    /// <summary>libtorch's float32 output against ours: the fixture README's float64 check puts libtorch within 1e-7.</summary>
    private const double Absolute = 2e-5, Relative = 2e-5;

    public static TheoryData<string> Files => new(CheckpointFixture.Names);

    private static readonly Dictionary<string, ICrossAttention> Generated = new()
    {
        ["mha_inproj"] = TestKernels.Get(nameof(MhaInProj)),
        ["mha_kdim"] = TestKernels.Get(nameof(MhaKdim)),
        ["bart_style_bf16"] = TestKernels.Get(nameof(BartStyle)),
        ["llama_style_gqa_f16"] = TestKernels.Get(nameof(LlamaStyle)),
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void Forward_on_loaded_weights_matches_libtorch(string name)
    {
        CheckpointFixture fixture = CheckpointFixture.Load(name);
        CrossAttentionWeights weights = CrossAttentionWeights.Load(fixture.FilePath, fixture.Shape, fixture.Prefix);
        double[] reference = Reference.Forward(fixture.Shape, fixture.Queries, fixture.Context, weights, fixture.Mask).Output;
        foreach (ICrossAttention kernel in new[] { Generated[name], new GenericCrossAttention(fixture.Shape) })
        {
            Assert.Equal(fixture.Shape, kernel.Shape);
            var output = new float[fixture.Output.Length];
            kernel.Forward(fixture.Queries, fixture.Context, weights, output, fixture.Mask, default);
            Tolerance.Close(Array.ConvertAll(fixture.Output, x => (double)x), output, $"{name} {kernel.Path} against libtorch", Absolute, Relative);
            Tolerance.Close(reference, output, $"{name} {kernel.Path} against the float64 reference");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Loaded_weights_are_the_stored_tensors_in_their_roles(string name)
    {
        CheckpointFixture fixture = CheckpointFixture.Load(name);
        CrossAttentionWeights weights = CrossAttentionWeights.Load(fixture.FilePath, fixture.Shape, fixture.Prefix);
        Dictionary<string, float[]> stored = Decode(File.ReadAllBytes(fixture.FilePath));
        int d = fixture.Shape.D;
        string p = fixture.Prefix;
        Dictionary<string, float[]> expected = fixture.Naming == "hf"
            ? new()
            {
                ["Wq"] = stored[p + "q_proj.weight"], ["Wk"] = stored[p + "k_proj.weight"], ["Wv"] = stored[p + "v_proj.weight"],
                ["Wo"] = stored[p + (stored.ContainsKey(p + "o_proj.weight") ? "o_proj" : "out_proj") + ".weight"],
                ["Bq"] = stored.GetValueOrDefault(p + "q_proj.bias", new float[d]),
                ["Bk"] = stored.GetValueOrDefault(p + "k_proj.bias", new float[fixture.Shape.KeyValueWidth]),
                ["Bv"] = stored.GetValueOrDefault(p + "v_proj.bias", new float[fixture.Shape.KeyValueWidth]),
                ["Bo"] = stored.GetValueOrDefault(p + (stored.ContainsKey(p + "o_proj.weight") ? "o_proj" : "out_proj") + ".bias", new float[d]),
            }
            : new()
            {
                ["Wq"] = stored.TryGetValue("in_proj_weight", out float[]? packed) ? packed[..(d * d)] : stored["q_proj_weight"],
                ["Wk"] = packed is not null ? packed[(d * d)..(2 * d * d)] : stored["k_proj_weight"],
                ["Wv"] = packed is not null ? packed[(2 * d * d)..] : stored["v_proj_weight"],
                ["Bq"] = stored["in_proj_bias"][..d], ["Bk"] = stored["in_proj_bias"][d..(2 * d)], ["Bv"] = stored["in_proj_bias"][(2 * d)..],
                ["Wo"] = stored["out_proj.weight"], ["Bo"] = stored["out_proj.bias"],
            };

        foreach ((string role, float[] values) in expected)
        {
            Assert.True(values.AsSpan().SequenceEqual(Role(weights, role)), $"{name}: {role} differs from the stored tensor");
        }
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void A_forward_only_stream_loads_the_same_weights_and_says_what_it_read(string name)
    {
        CheckpointFixture fixture = CheckpointFixture.Load(name);
        CrossAttentionWeights fromFile = CrossAttentionWeights.Load(fixture.FilePath, fixture.Shape, fixture.Prefix);
        CrossAttentionWeights fromStream = CrossAttentionWeights.Load(new ForwardOnlyStream(File.ReadAllBytes(fixture.FilePath)), fixture.Shape, fixture.Prefix);
        foreach (string role in Roles)
        {
            Assert.True(Role(fromFile, role).SequenceEqual(Role(fromStream, role)), $"{name}: {role} differs between file and stream");
        }

        CheckpointInfo info = fromFile.Checkpoint!;
        Assert.Equal(fixture.FilePath, info.Source);
        Assert.Equal("the ForwardOnlyStream", fromStream.Checkpoint!.Source);
        Assert.Equal(fixture.Naming == "hf" ? "Hugging Face" : "PyTorch nn.MultiheadAttention", info.Naming);
        Assert.Equal(fixture.Prefix, info.Prefix);
        (string Name, long[] Shape)[] layer = fixture.Tensors.Where(t => t.Name.StartsWith(fixture.Prefix, StringComparison.Ordinal)).ToArray();
        Assert.Equal(layer.Select(t => t.Name), info.Tensors.Select(t => t.Name));
        Assert.Equal(layer.Select(t => string.Join(",", t.Shape)), info.Tensors.Select(t => string.Join(",", t.Shape)));
        Assert.All(info.Tensors, t => Assert.Equal(fixture.DType, t.DType));
        Assert.Equal(fixture.Tensors.Length - layer.Length, info.IgnoredTensors);
        Assert.Equal(name == "llama_style_gqa_f16" ? ["Bq", "Bk", "Bv", "Bo"] : [], info.ZeroBiases);
    }

    [Fact]
    public void Causal_grouped_query_attention_on_loaded_weights_matches_libtorch()
    {
        CheckpointFixture fixture = CheckpointFixture.Load("llama_style_gqa_f16");
        CrossAttentionShape s = fixture.Shape;
        var causal = new CrossAttentionShape(s.Lq, s.Lkv, s.D, s.Heads, s.KvDim, s.Scale, s.KvHeads, causal: true);
        CrossAttentionWeights weights = CrossAttentionWeights.Load(fixture.FilePath, causal, fixture.Prefix);
        double[] reference = Reference.Forward(causal, fixture.Queries, fixture.Context, weights, fixture.Mask).Output;
        foreach ((string path, ICrossAttention kernel) in TestKernels.Implementations(nameof(LlamaCausal)))
        {
            Assert.Equal(causal, kernel.Shape);
            var output = new float[fixture.Output.Length];
            kernel.Forward(fixture.Queries, fixture.Context, weights, output, fixture.Mask, default);
            Tolerance.Close(Array.ConvertAll(fixture.OutputCausal!, x => (double)x), output, $"causal {path} against libtorch", Absolute, Relative);
            Tolerance.Close(reference, output, $"causal {path} against the float64 reference");
        }
    }

    internal static readonly string[] Roles = ["Wq", "Bq", "Wk", "Bk", "Wv", "Bv", "Wo", "Bo"];

    internal static ReadOnlySpan<float> Role(CrossAttentionWeights weights, string role) => role switch
    {
        "Wq" => weights.Wq,
        "Bq" => weights.Bq,
        "Wk" => weights.Wk,
        "Bk" => weights.Bk,
        "Wv" => weights.Wv,
        "Bv" => weights.Bv,
        "Wo" => weights.Wo,
        "Bo" => weights.Bo,
        _ => throw new ArgumentOutOfRangeException(nameof(role)),
    };

    /// <summary>Every float tensor of a file, decoded here from the format's layout (not by the loader under test).</summary>
    private static Dictionary<string, float[]> Decode(byte[] file)
    {
        (string header, byte[] data) = SafeTensorsWriter.Split(file);
        var tensors = new Dictionary<string, float[]>();
        foreach (JsonProperty entry in JsonDocument.Parse(header).RootElement.EnumerateObject())
        {
            string dtype = entry.Value.GetProperty("dtype").GetString()!;
            int begin = entry.Value.GetProperty("data_offsets")[0].GetInt32(), end = entry.Value.GetProperty("data_offsets")[1].GetInt32();
            int size = dtype == "F32" ? 4 : 2;
            tensors[entry.Name] = Enumerable.Range(0, (end - begin) / size).Select(i => dtype switch
            {
                "F32" => BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(begin + (4 * i))),
                "F16" => (float)BinaryPrimitives.ReadHalfLittleEndian(data.AsSpan(begin + (2 * i))),
                _ => BitConverter.UInt32BitsToSingle((uint)BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(begin + (2 * i))) << 16),
            }).ToArray();
        }

        return tensors;
    }
}
