using System;
using System.Collections.Generic;

namespace CrossAttention.Bench;

// The SPEC §8 benchmark shapes; the generator fills in each class.
[CrossAttention(lq: 4, lkv: 2, d: 64, heads: 8)]
internal static partial class LatentAttention;

[CrossAttention(lq: 1, lkv: 32, d: 512, heads: 8)]
internal static partial class DecodeAttention;

[CrossAttention(lq: 16, lkv: 49, d: 512, heads: 8, KvDim = 768)]
internal static partial class CaptionAttention;

[CrossAttention(lq: 32, lkv: 256, d: 512, heads: 8)]
internal static partial class MediumAttention;

[CrossAttention(lq: 5, lkv: 7, d: 72, heads: 3, KvDim = 40)]
internal static partial class OddAttention;

[CrossAttention(lq: 1, lkv: 1500, d: 384, heads: 6)]
internal static partial class WhisperAttention;

[CrossAttention(lq: 16, lkv: 64, d: 512, heads: 8, KvHeads = 2)]
internal static partial class GqaAttention;

// Not a SPEC §8 shape: causal self-attention over a block of 128 tokens, to measure causal rows against ONNX Runtime.
[CrossAttention(lq: 128, lkv: 128, d: 512, heads: 8, Causal = true)]
internal static partial class CausalAttention;

/// <summary>A benchmark shape by its SPEC §8 name, with the path its generated kernel takes on this machine.</summary>
internal sealed record BenchShape(string Name, CrossAttentionShape Shape, KernelPath GeneratedPath);

/// <summary>
/// The shape names double as <c>[BenchmarkCategory]</c> values: the summary and the smoke run find a benchmark's
/// shape through its category. Benchmark methods are named <c>{Shape}_{Contender}</c> (<see cref="Contenders"/>),
/// so <c>--filter '*Latent*'</c> selects one shape in every benchmark class.
/// </summary>
internal static class BenchShapes
{
    public const string Latent = "latent";
    public const string Decode = "decode";
    public const string Caption = "caption";
    public const string Medium = "medium";
    public const string Odd = "odd";
    public const string Whisper = "whisper";
    public const string Gqa = "gqa";
    public const string Causal = "causal";

    /// <summary>In SPEC §8 order, the order of every table; then the causal shape.</summary>
    public static IReadOnlyList<BenchShape> All { get; } =
    [
        new(Latent, LatentAttention.Shape, LatentAttention.KernelPath),
        new(Decode, DecodeAttention.Shape, DecodeAttention.KernelPath),
        new(Caption, CaptionAttention.Shape, CaptionAttention.KernelPath),
        new(Medium, MediumAttention.Shape, MediumAttention.KernelPath),
        new(Odd, OddAttention.Shape, OddAttention.KernelPath),
        new(Whisper, WhisperAttention.Shape, WhisperAttention.KernelPath),
        new(Gqa, GqaAttention.Shape, GqaAttention.KernelPath),
        new(Causal, CausalAttention.Shape, CausalAttention.KernelPath),
    ];

    /// <summary>The one of the values that belongs to <paramref name="shape"/> (a category name).</summary>
    public static T ByName<T>(string shape, T latent, T decode, T caption, T medium, T odd, T whisper, T gqa, T causal) => shape switch
    {
        Latent => latent,
        Decode => decode,
        Caption => caption,
        Medium => medium,
        Odd => odd,
        Whisper => whisper,
        Gqa => gqa,
        Causal => causal,
        _ => throw new ArgumentOutOfRangeException(nameof(shape), shape, "Not a benchmark shape."),
    };
}

/// <summary>The contender suffixes of benchmark method names; the summary pairs a shape's contenders by them.</summary>
internal static class Contenders
{
    /// <summary>The generated class's static method.</summary>
    public const string Generated = nameof(Generated);

    /// <summary><see cref="GenericCrossAttention"/>, each shape's baseline (so BenchmarkDotNet's Ratio reads as generic/generated).</summary>
    public const string Generic = nameof(Generic);

    /// <summary><see cref="ScalarAttention"/>, for "generic ≥ 3× a scalar loop" (SPEC §9).</summary>
    public const string ScalarLoop = nameof(ScalarLoop);

    /// <summary><see cref="TensorPrimitivesAttention"/>, for "generic faster than the attention written with TensorPrimitives" (SPEC §9).</summary>
    public const string TensorPrimitives = nameof(TensorPrimitives);

    /// <summary>ONNX Runtime on one intra-op thread (<see cref="OnnxModels"/>), the SPEC §9 peer.</summary>
    public const string OnnxRuntime = nameof(OnnxRuntime);
}
