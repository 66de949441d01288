using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Loading;

/// <summary>
/// A checkpoint is untrusted input (SPEC §5): every kind of malformed file, and every file that lacks what the layer
/// needs, throws <see cref="InvalidDataException"/> naming the source, the tensor and what was expected against what
/// was found — from a seekable stream and from a forward-only one.
/// </summary>
public sealed class CheckpointErrorTests
{
    private static readonly CrossAttentionShape Shape = new(2, 3, 8, 2);

    /// <summary>A valid Hugging Face layer of <see cref="Shape"/>, F32, with biases, under <paramref name="prefix"/>.</summary>
    private static List<SafeTensorsWriter.Tensor> Valid(string prefix = "")
    {
        var random = new Random(3);
        return CheckpointRoundTripTests.Layer(Shape, "out_proj", "F32", true, prefix,
            CheckpointFixtureTests.Roles.ToDictionary(r => r, r => Data.Uniform(random, CheckpointRoundTripTests.Length(Shape, r))));
    }

    private static byte[] Header(string header, int dataBytes) => SafeTensorsWriter.Assemble(header, new byte[dataBytes]);

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":{shape},\"data_offsets\":[{begin},{end}]}}";

    /// <summary>(case, file, what the message must say for a seekable stream, and for a forward-only one).</summary>
    public static TheoryData<string> Cases => new(Malformed.Keys);

    private static readonly Dictionary<string, (Func<byte[]> File, string Seekable, string ForwardOnly)> Malformed = new()
    {
        ["empty file"] = (() => [], "the file has 0 bytes; a safetensors file starts with an 8-byte header length", "the file has 0 bytes"),
        ["five bytes"] = (() => [1, 0, 0, 0, 0], "the file has 5 bytes", "the file has 5 bytes"),
        ["multi-gigabyte header length"] = (() => SafeTensorsWriter.Assemble("{}", [], headerLength: 5UL << 30),
            "the header length is 5,368,709,120 bytes, more than the 100,000,000", "the header length is 5,368,709,120 bytes, more than the 100,000,000"),
        ["header length beyond the file"] = (() => SafeTensorsWriter.Assemble("{}", [], headerLength: 1000),
            "the header length is 1,000 bytes but only 2 bytes follow it", "truncated: its header should be 1,000 bytes, it ends after 2"),
        ["header length of 2^64 - 1"] = (() => SafeTensorsWriter.Assemble("{}", [], headerLength: ulong.MaxValue),
            "the header length is 18,446,744,073,709,551,615 bytes", "the header length is 18,446,744,073,709,551,615 bytes"),
        ["header not an object"] = (() => Header("[1, 2]", 0), "the header is not a JSON object", "the header is not a JSON object"),
        ["header not JSON"] = (() => Header("{\"a\": ", 0), "the header is not valid JSON", "the header is not valid JSON"),
        ["header not UTF-8"] = (() => Replace(SafeTensorsWriter.Assemble("{\"?\":1}", []), (byte)'?', 0xFF),
            "the header is not valid UTF-8", "the header is not valid UTF-8"),
        ["duplicate tensor"] = (() => Header("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("a", "F32", "[1]", 4, 8) + "}", 8),
            "the header names tensor 'a' twice", "the header names tensor 'a' twice"),
        ["unknown dtype"] = (() => Header("{" + Entry("a", "F17", "[1]", 0, 4) + "}", 4), "tensor 'a': unknown dtype 'F17'", "unknown dtype 'F17'"),
        ["shape against bytes"] = (() => Header("{" + Entry("a", "F32", "[8, 9]", 0, 256) + "}", 256),
            "tensor 'a': shape [8, 9] of F32 needs 288 bytes but data_offsets [0, 256] hold 256 bytes", "needs 288 bytes"),
        ["shape overflowing a long"] = (() => Header("{" + Entry("a", "F16", "[9223372036854775807, 9223372036854775807, 4]", 0, 8) + "}", 8),
            "needs more than 8 bytes but data_offsets [0, 8] hold 8 bytes", "needs more than 8 bytes"),
        ["negative dimension"] = (() => Header("{" + Entry("a", "F32", "[-1]", 0, 4) + "}", 4), "tensor 'a': shape holds -1, not a non-negative integer", "holds -1"),
        ["fractional dimension"] = (() => Header("{" + Entry("a", "F32", "[1.5]", 0, 4) + "}", 4), "shape holds 1.5, not a non-negative integer", "holds 1.5"),
        ["offsets reversed"] = (() => Header("{" + Entry("a", "F32", "[1]", 4, 0) + "}", 4), "data_offsets [4, 0] are not a [begin, end] pair", "are not a [begin, end] pair"),
        ["three offsets"] = (() => Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 4), "data_offsets [0, 4, 8] are not a [begin, end] pair", "[0, 4, 8]"),
        ["overlapping tensors"] = (() => Header("{" + Entry("a", "F32", "[2]", 0, 8) + "," + Entry("b", "F32", "[2]", 4, 12) + "}", 12),
            "tensors 'a' and 'b' overlap (bytes 4..8 of the data section)", "overlap"),
        ["gap between tensors"] = (() => Header("{" + Entry("a", "F32", "[1]", 0, 4) + "," + Entry("b", "F32", "[1]", 8, 12) + "}", 12),
            "no tensor covers bytes 4..8 of the data section (before 'b')", "no tensor covers bytes 4..8"),
        ["data not starting at 0"] = (() => Header("{" + Entry("a", "F32", "[1]", 4, 8) + "}", 8), "no tensor covers bytes 0..4", "no tensor covers bytes 0..4"),
        ["truncated data"] = (() => SafeTensorsWriter.Write(Valid())[..^10],
            "the file is truncated: its tensors need a data section of 1,152 bytes, 1,142 are there",
            "the file is truncated: it ends inside tensor 'out_proj.bias' (1,142 of 1,152 data bytes are there)"),
        ["offsets far past the end"] = (() => WithEntry(SafeTensorsWriter.Write(Valid()), Entry("huge", "U8", "[1099511627776]", 1152, 1152 + 1099511627776)),
            "its tensors need a data section of 1,099,511,628,928 bytes, 1,152 are there",
            "the file is truncated: its data section should be 1,099,511,628,928 bytes, it ends after 1,152"),
        ["trailing bytes"] = (() => [.. SafeTensorsWriter.Write(Valid()), 0, 0, 0, 0, 0],
            "5 bytes follow the last tensor's data (the data section is 1,152 bytes)", "bytes follow the last tensor's data (the data section is 1,152 bytes)"),
        ["entry lacking offsets"] = (() => Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 0), "tensor 'a': the entry lacks data_offsets", "lacks data_offsets"),
        ["entry with an extra field"] = (() => Header("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4),
            "tensor 'a': unexpected or repeated field 'x'", "unexpected or repeated field 'x'"),
        ["entry with a repeated field"] = (() => Header("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4),
            "unexpected or repeated field 'dtype'", "repeated field 'dtype'"),
        ["entry not an object"] = (() => Header("{\"a\":[1]}", 0), "tensor 'a': its entry is not an object", "its entry is not an object"),
        ["metadata not strings"] = (() => Header("{\"__metadata__\":{\"n\":1}}", 0), "'__metadata__' entry 'n' is not a string", "'__metadata__' entry 'n'"),
        ["metadata twice"] = (() => Header("{\"__metadata__\":{},\"__metadata__\":{}}", 0), "two '__metadata__' entries", "two '__metadata__' entries"),

        // Valid files that are not the layer asked for.
        ["missing tensor"] = (() => SafeTensorsWriter.Write(Valid().Where(t => t.Name != "k_proj.weight")),
            "tensor 'k_proj.weight' (Wk: Wk [KvHeads·dh, KvDim] = [8, 8]) is missing", "tensor 'k_proj.weight' (Wk: Wk [KvHeads·dh, KvDim] = [8, 8]) is missing"),
        ["wrong shape"] = (() => SafeTensorsWriter.Write(Valid().Select(t => t.Name == "v_proj.weight" ? t with { Shape = [16, 4] } : t)),
            "tensor 'v_proj.weight' has shape [16, 4]; expected [8, 8] (Wv: Wv [KvHeads·dh, KvDim] = [8, 8]", "has shape [16, 4]; expected [8, 8]"),
        ["transposed weight"] = (() => SafeTensorsWriter.Write([.. Valid().Select(t => t.Name == "q_proj.weight" ? t with { Shape = [8] , Values = t.Values[..8] } : t)]),
            "tensor 'q_proj.weight' has shape [8]; expected [8, 8]", "has shape [8]; expected [8, 8]"),
        ["wrong dtype"] = (() => SafeTensorsWriter.Write(Valid().Select(t => t.Name == "out_proj.bias" ? t with { DType = "I64" } : t)),
            "tensor 'out_proj.bias' is I64; expected F32, F16 or BF16", "is I64; expected F32, F16 or BF16"),
        ["no layer"] = (() => SafeTensorsWriter.Write([new("embed.weight", "F32", [2], [1, 2])]),
            "none of 'in_proj_weight', 'q_proj_weight' (PyTorch) or 'q_proj.weight' (Hugging Face) is in the file; its 1 tensors include 'embed.weight'", "its 1 tensors include 'embed.weight'"),
        ["no tensors"] = (() => Header("{}", 0), "it holds no tensors", "it holds no tensors"),
        ["both naming schemes"] = (() => SafeTensorsWriter.Write([.. Valid(), new("in_proj_weight", "F32", [24, 8], new float[192])]),
            "it holds both PyTorch ('in_proj_weight') and Hugging Face ('q_proj.weight') names", "is ambiguous"),
        ["out_proj and o_proj"] = (() => SafeTensorsWriter.Write([.. Valid(), new("o_proj.weight", "F32", [8, 8], new float[64])]),
            "it holds both 'out_proj.weight' and 'o_proj.weight'", "is ambiguous"),
        ["in_proj_weight and q_proj_weight"] = (() => SafeTensorsWriter.Write([new("in_proj_weight", "F32", [24, 8], new float[192]), new("q_proj_weight", "F32", [8, 8], new float[64])]),
            "it holds both 'in_proj_weight' and 'q_proj_weight'", "is ambiguous"),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_malformed_or_mismatched_file_throws_InvalidDataException_saying_what(string name)
    {
        (Func<byte[]> make, string seekable, string forwardOnly) = Malformed[name];
        byte[] file = make();
        AssertInvalid(() => CrossAttentionWeights.Load(new MemoryStream(file), Shape), "the MemoryStream: ", seekable);
        AssertInvalid(() => CrossAttentionWeights.Load(new ForwardOnlyStream(file), Shape), "the ForwardOnlyStream: ", forwardOnly);
    }

    [Fact]
    public void The_message_names_the_file()
    {
        string path = Path.Combine(Path.GetTempPath(), $"cxa-{Guid.NewGuid():N}.safetensors");
        File.WriteAllBytes(path, SafeTensorsWriter.Write(Valid().Where(t => t.Name != "q_proj.bias" && t.Name != "q_proj.weight").Append(new("q_proj.weight", "F32", [8, 4], new float[32]))));
        try
        {
            AssertInvalid(() => CrossAttentionWeights.Load(path, Shape), path + ": ", "tensor 'q_proj.weight' has shape [8, 4]; expected [8, 8]");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_prefix_missing_its_dot_or_naming_another_layer_gets_the_layers_the_file_has()
    {
        byte[] file = SafeTensorsWriter.Write([.. Valid("decoder.0.self_attn."), .. Valid("decoder.0.encoder_attn.")]);
        AssertInvalid(() => CrossAttentionWeights.Load(new MemoryStream(file), Shape, "decoder.0.encoder_attn"), "the MemoryStream: ",
            "(the prefix needs its final dot: 'decoder.0.encoder_attn.'); it has attention layers under the prefixes 'decoder.0.self_attn.', 'decoder.0.encoder_attn.'");
        AssertInvalid(() => CrossAttentionWeights.Load(new MemoryStream(file), Shape, "decoder.1.encoder_attn."), "the MemoryStream: ",
            "none of 'decoder.1.encoder_attn.in_proj_weight'");
        Assert.Equal(Valid()[0].Values, CrossAttentionWeights.Load(new MemoryStream(file), Shape, "decoder.0.encoder_attn.").Wq.ToArray());
    }

    [Fact]
    public void A_packed_in_proj_weight_needs_KvDim_equal_to_D()
    {
        var shape = new CrossAttentionShape(2, 3, 8, 2, kvDim: 16);
        byte[] file = SafeTensorsWriter.Write([new("in_proj_weight", "F32", [24, 8], new float[192]), new("out_proj.weight", "F32", [8, 8], new float[64])]);
        AssertInvalid(() => CrossAttentionWeights.Load(new MemoryStream(file), shape), "the MemoryStream: ",
            "tensor 'in_proj_weight' packs q, k and v with one input width, D = 8, but the shape's KvDim is 16");
    }

    [Fact]
    public void Null_arguments_and_a_missing_file_throw_the_usual_exceptions()
    {
        Assert.Equal("path", Assert.Throws<ArgumentNullException>(() => CrossAttentionWeights.Load((string)null!, Shape)).ParamName);
        Assert.Equal("stream", Assert.Throws<ArgumentNullException>(() => CrossAttentionWeights.Load((Stream)null!, Shape)).ParamName);
        Assert.Equal("shape", Assert.Throws<ArgumentNullException>(() => CrossAttentionWeights.Load(new MemoryStream(), null!)).ParamName);
        Assert.Equal("prefix", Assert.Throws<ArgumentNullException>(() => CrossAttentionWeights.Load(new MemoryStream(), Shape, null!)).ParamName);
        Assert.Throws<FileNotFoundException>(() => CrossAttentionWeights.Load(Path.Combine(Path.GetTempPath(), $"cxa-{Guid.NewGuid():N}.safetensors"), Shape));
    }

    private static byte[] Replace(byte[] file, byte from, byte to)
    {
        file[Array.IndexOf(file, from)] = to;
        return file;
    }

    /// <summary>The file with one more entry in its header, and no more data.</summary>
    private static byte[] WithEntry(byte[] file, string entry)
    {
        (string header, byte[] data) = SafeTensorsWriter.Split(file);
        return SafeTensorsWriter.Assemble(header[..^1] + "," + entry + "}", data);
    }

    private static void AssertInvalid(Func<CrossAttentionWeights> load, string source, string fragment)
    {
        InvalidDataException e = Assert.Throws<InvalidDataException>(() => load());
        Assert.StartsWith(source, e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }
}
