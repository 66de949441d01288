using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace CrossAttention.Bench;

/// <summary>
/// <c>ProjectContext(context, weights, into)</c> — the K and V projections, refilling a <see cref="ProjectedContext"/>
/// without allocating — per SPEC §8 shape at batch 1: generated against generic (each shape's baseline).
/// </summary>
/// <remarks>
/// Both contenders refill the same context, and the smoke run compares its keys and values. Named and categorized as
/// <see cref="AttendBenchmarks"/> is.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ProjectContextBenchmarks : ICheckedBenchmarks
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

    int ICheckedBenchmarks.OutputCount(string category) => 2;

    Span<float> ICheckedBenchmarks.Output(string category, int index)
    {
        ProjectedContext refilled = BenchShapes.ByName(category, _latent, _decode, _caption, _medium, _odd, _whisper, _gqa, _causal).Refilled;
        return index == 0 ? refilled.KeyStorage : refilled.ValueStorage;
    }

    [Benchmark, BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_Generated() => LatentAttention.ProjectContext(_latent.Context, _latent.Weights, _latent.Refilled);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_Generic() => _latent.Generic.ProjectContext(_latent.Context, _latent.Weights, _latent.Refilled);

    [Benchmark, BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_Generated() => DecodeAttention.ProjectContext(_decode.Context, _decode.Weights, _decode.Refilled);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_Generic() => _decode.Generic.ProjectContext(_decode.Context, _decode.Weights, _decode.Refilled);

    [Benchmark, BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_Generated() => CaptionAttention.ProjectContext(_caption.Context, _caption.Weights, _caption.Refilled);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_Generic() => _caption.Generic.ProjectContext(_caption.Context, _caption.Weights, _caption.Refilled);

    [Benchmark, BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_Generated() => MediumAttention.ProjectContext(_medium.Context, _medium.Weights, _medium.Refilled);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_Generic() => _medium.Generic.ProjectContext(_medium.Context, _medium.Weights, _medium.Refilled);

    [Benchmark, BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_Generated() => OddAttention.ProjectContext(_odd.Context, _odd.Weights, _odd.Refilled);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_Generic() => _odd.Generic.ProjectContext(_odd.Context, _odd.Weights, _odd.Refilled);

    [Benchmark, BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_Generated() => WhisperAttention.ProjectContext(_whisper.Context, _whisper.Weights, _whisper.Refilled);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_Generic() => _whisper.Generic.ProjectContext(_whisper.Context, _whisper.Weights, _whisper.Refilled);

    [Benchmark, BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_Generated() => GqaAttention.ProjectContext(_gqa.Context, _gqa.Weights, _gqa.Refilled);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_Generic() => _gqa.Generic.ProjectContext(_gqa.Context, _gqa.Weights, _gqa.Refilled);

    [Benchmark, BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_Generated() => CausalAttention.ProjectContext(_causal.Context, _causal.Weights, _causal.Refilled);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_Generic() => _causal.Generic.ProjectContext(_causal.Context, _causal.Weights, _causal.Refilled);
}
