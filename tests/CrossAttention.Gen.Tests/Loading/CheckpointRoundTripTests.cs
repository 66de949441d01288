using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Loading;

/// <summary>
/// Files written here in every naming scheme and dtype the loader reads, with and without biases, among unrelated
/// tensors and metadata: each role comes back bit for bit (values the dtype holds exactly), from a seekable and a
/// forward-only stream; absent biases are zeros and reported.
/// </summary>
public sealed class CheckpointRoundTripTests
{
    public static TheoryData<string, string, bool> Cases()
    {
        var data = new TheoryData<string, string, bool>();
        foreach (string naming in new[] { "in_proj", "separate", "out_proj", "o_proj" })
        {
            foreach (string dtype in new[] { "F32", "F16", "BF16" })
            {
                data.Add(naming, dtype, true);
            }

            data.Add(naming, "F32", false);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_role_comes_back_exactly(string naming, string dtype, bool biases)
    {
        // KvDim differs from D except where a packed in_proj_weight needs them equal.
        var shape = new CrossAttentionShape(3, 5, 24, 3, kvDim: naming == "in_proj" ? 0 : 40);
        const string prefix = "decoder.layers.2.encoder_attn.";
        var random = new Random(naming.Length * 31 + dtype.Length);
        Dictionary<string, float[]> roles = CheckpointFixtureTests.Roles.ToDictionary(r => r, r =>
            SafeTensorsWriter.Representable(dtype, Data.Uniform(random, Length(shape, r))));
        List<SafeTensorsWriter.Tensor> tensors = Layer(shape, naming, dtype, biases, prefix, roles);
        byte[] file = SafeTensorsWriter.Write(
            [new("decoder.layers.2.self_attn.q_proj.weight", "F32", [24, 24], new float[24 * 24]), .. tensors,
             new("decoder.layers.2.fc1.steps", "I64", [4], [1, 2, 3, 4])],
            metadata: "{\"format\":\"pt\"}");

        foreach (Stream stream in new Stream[] { new MemoryStream(file), new ForwardOnlyStream(file) })
        {
            CrossAttentionWeights weights = CrossAttentionWeights.Load(stream, shape, prefix);
            foreach (string role in CheckpointFixtureTests.Roles)
            {
                float[] expected = biases || role.StartsWith('W') ? roles[role] : new float[Length(shape, role)];
                Assert.True(expected.AsSpan().SequenceEqual(CheckpointFixtureTests.Role(weights, role)), $"{naming} {dtype} {stream.GetType().Name}: {role}");
            }

            CheckpointInfo info = weights.Checkpoint!;
            Assert.Equal(tensors.Select(t => t.Name), info.Tensors.Select(t => t.Name));
            Assert.Equal(2, info.IgnoredTensors);
            Assert.Equal(biases ? [] : new[] { "Bq", "Bk", "Bv", "Bo" }, info.ZeroBiases);
        }
    }

    [Fact]
    public void Weights_not_loaded_from_a_file_have_no_checkpoint()
    {
        Assert.Null(new CrossAttentionWeights(new CrossAttentionShape(1, 1, 8, 2)).Checkpoint);
    }

    [Fact]
    public void Loading_leaves_the_stream_open_and_reads_from_its_position()
    {
        var shape = new CrossAttentionShape(2, 3, 8, 2);
        var random = new Random(5);
        Dictionary<string, float[]> roles = CheckpointFixtureTests.Roles.ToDictionary(r => r, r => Data.Uniform(random, Length(shape, r)));
        byte[] file = SafeTensorsWriter.Write(Layer(shape, "out_proj", "F32", true, "", roles));
        var stream = new MemoryStream();
        stream.Write([1, 2, 3]);
        stream.Write(file);
        stream.Position = 3;
        CrossAttentionWeights weights = CrossAttentionWeights.Load(stream, shape);
        Assert.True(roles["Wo"].AsSpan().SequenceEqual(weights.Wo));
        Assert.Equal(stream.Length, stream.Position);
    }

    /// <summary>The layer's tensors under a naming scheme: biases first where PyTorch puts them, as files have them.</summary>
    internal static List<SafeTensorsWriter.Tensor> Layer(CrossAttentionShape shape, string naming, string dtype, bool biases, string prefix,
                                                         Dictionary<string, float[]> roles)
    {
        int d = shape.D, kv = shape.KvDim;
        var tensors = new List<SafeTensorsWriter.Tensor>();
        void Add(string name, long[] dims, params string[] parts) =>
            tensors.Add(new(prefix + name, dtype, dims, parts.SelectMany(p => roles[p]).ToArray()));

        if (naming is "in_proj" or "separate")
        {
            if (naming == "in_proj")
            {
                Add("in_proj_weight", [3 * d, d], "Wq", "Wk", "Wv");
            }
            else
            {
                Add("q_proj_weight", [d, d], "Wq");
                Add("k_proj_weight", [d, kv], "Wk");
                Add("v_proj_weight", [d, kv], "Wv");
            }

            if (biases)
            {
                Add("in_proj_bias", [3 * d], "Bq", "Bk", "Bv");
            }

            Add("out_proj.weight", [d, d], "Wo");
            if (biases)
            {
                Add("out_proj.bias", [d], "Bo");
            }

            return tensors;
        }

        foreach ((string module, string w, string b, int inputs) in new[] { ("q_proj", "Wq", "Bq", d), ("k_proj", "Wk", "Bk", kv), ("v_proj", "Wv", "Bv", kv), (naming, "Wo", "Bo", d) })
        {
            Add(module + ".weight", [d, inputs], w);
            if (biases)
            {
                Add(module + ".bias", [d], b);
            }
        }

        return tensors;
    }

    internal static int Length(CrossAttentionShape shape, string role) => role switch
    {
        "Wq" or "Wo" => shape.D * shape.D,
        "Wk" or "Wv" => shape.D * shape.KvDim,
        _ => shape.D,
    };
}
