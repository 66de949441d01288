using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace CrossAttention.Bench;

/// <summary>
/// <c>Forward</c> — Q, K, V projections, attention, output projection — per SPEC §8 shape at batch 1: the generated
/// layer against the generic one (each shape's baseline, so Ratio reads as generic/generated).
/// </summary>
/// <remarks>Named and categorized as <see cref="AttendBenchmarks"/> is, so <see cref="BenchSummary"/> pairs them the same way.</remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ForwardBenchmarks : ICheckedBenchmarks
{
    private LayerCase _latent = null!;
    private LayerCase _decode = null!;
    private LayerCase _caption = null!;
    private LayerCase _medium = null!;
    private LayerCase _odd = null!;
    private LayerCase _whisper = null!;
    private LayerCase _gqa = null!;
    private LayerCase _causal = null!;

    [GlobalSetup]
    public void Setup()
    {
        _latent = new LayerCase(LatentAttention.Shape, LatentAttention.ProjectContext);
        _decode = new LayerCase(DecodeAttention.Shape, DecodeAttention.ProjectContext);
        _caption = new LayerCase(CaptionAttention.Shape, CaptionAttention.ProjectContext);
        _medium = new LayerCase(MediumAttention.Shape, MediumAttention.ProjectContext);
        _odd = new LayerCase(OddAttention.Shape, OddAttention.ProjectContext);
        _whisper = new LayerCase(WhisperAttention.Shape, WhisperAttention.ProjectContext);
        _gqa = new LayerCase(GqaAttention.Shape, GqaAttention.ProjectContext);
        _causal = new LayerCase(CausalAttention.Shape, CausalAttention.ProjectContext);
    }

    Span<float> ICheckedBenchmarks.Output(string category, int index) =>
        BenchShapes.ByName(category, _latent, _decode, _caption, _medium, _odd, _whisper, _gqa, _causal).Output;

    [Benchmark, BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_Generated() => LatentAttention.Forward(_latent.Queries, _latent.Context, _latent.Weights, _latent.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_Generic() => _latent.Generic.Forward(_latent.Queries, _latent.Context, _latent.Weights, _latent.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_OnnxRuntime() => _latent.ForwardOnnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_Generated() => DecodeAttention.Forward(_decode.Queries, _decode.Context, _decode.Weights, _decode.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_Generic() => _decode.Generic.Forward(_decode.Queries, _decode.Context, _decode.Weights, _decode.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_OnnxRuntime() => _decode.ForwardOnnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_Generated() => CaptionAttention.Forward(_caption.Queries, _caption.Context, _caption.Weights, _caption.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_Generic() => _caption.Generic.Forward(_caption.Queries, _caption.Context, _caption.Weights, _caption.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_OnnxRuntime() => _caption.ForwardOnnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_Generated() => MediumAttention.Forward(_medium.Queries, _medium.Context, _medium.Weights, _medium.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_Generic() => _medium.Generic.Forward(_medium.Queries, _medium.Context, _medium.Weights, _medium.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_OnnxRuntime() => _medium.ForwardOnnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_Generated() => OddAttention.Forward(_odd.Queries, _odd.Context, _odd.Weights, _odd.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_Generic() => _odd.Generic.Forward(_odd.Queries, _odd.Context, _odd.Weights, _odd.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_OnnxRuntime() => _odd.ForwardOnnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_Generated() => WhisperAttention.Forward(_whisper.Queries, _whisper.Context, _whisper.Weights, _whisper.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_Generic() => _whisper.Generic.Forward(_whisper.Queries, _whisper.Context, _whisper.Weights, _whisper.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_OnnxRuntime() => _whisper.ForwardOnnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_Generated() => GqaAttention.Forward(_gqa.Queries, _gqa.Context, _gqa.Weights, _gqa.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_Generic() => _gqa.Generic.Forward(_gqa.Queries, _gqa.Context, _gqa.Weights, _gqa.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_OnnxRuntime() => _gqa.ForwardOnnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_Generated() => CausalAttention.Forward(_causal.Queries, _causal.Context, _causal.Weights, _causal.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_Generic() => _causal.Generic.Forward(_causal.Queries, _causal.Context, _causal.Weights, _causal.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_OnnxRuntime() => _causal.ForwardOnnx.Run();
}
