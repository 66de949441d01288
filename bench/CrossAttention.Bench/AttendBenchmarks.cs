using System;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;

namespace CrossAttention.Bench;

/// <summary>
/// <c>Attend</c> per SPEC §8 shape: the generated kernel against the generic fallback (each shape's baseline, so
/// Ratio reads as generic/generated), plus a scalar loop and the same attention written with TensorPrimitives, at every shape.
/// </summary>
/// <remarks>
/// Methods are named <c>{Shape}_{Contender}</c> with the shape as category: <c>--filter '*Latent*'</c> selects a
/// shape, and <see cref="BenchSummary"/> reads the contender from the suffix. Each method calls its kernel
/// directly, so no interface dispatch is timed.
/// </remarks>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class AttendBenchmarks : ICheckedBenchmarks
{
    private AttendCase _latent = null!;
    private AttendCase _decode = null!;
    private AttendCase _caption = null!;
    private AttendCase _medium = null!;
    private AttendCase _odd = null!;
    private AttendCase _whisper = null!;
    private AttendCase _gqa = null!;
    private AttendCase _causal = null!;

    [GlobalSetup]
    public void Setup()
    {
        _latent = new AttendCase(LatentAttention.Shape);
        _decode = new AttendCase(DecodeAttention.Shape);
        _caption = new AttendCase(CaptionAttention.Shape);
        _medium = new AttendCase(MediumAttention.Shape);
        _odd = new AttendCase(OddAttention.Shape);
        _whisper = new AttendCase(WhisperAttention.Shape);
        _gqa = new AttendCase(GqaAttention.Shape);
        _causal = new AttendCase(CausalAttention.Shape);
    }

    Span<float> ICheckedBenchmarks.Output(string category, int index) =>
        BenchShapes.ByName(category, _latent, _decode, _caption, _medium, _odd, _whisper, _gqa, _causal).Output;

    [Benchmark, BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_Generated() => LatentAttention.Attend(_latent.Q, _latent.K, _latent.V, _latent.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_Generic() => _latent.Generic.Attend(_latent.Q, _latent.K, _latent.V, _latent.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_OnnxRuntime() => _latent.Onnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_ScalarLoop() => _latent.Scalar.Attend(_latent.Q, _latent.K, _latent.V, _latent.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_Generated() => DecodeAttention.Attend(_decode.Q, _decode.K, _decode.V, _decode.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_Generic() => _decode.Generic.Attend(_decode.Q, _decode.K, _decode.V, _decode.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_OnnxRuntime() => _decode.Onnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_Generated() => CaptionAttention.Attend(_caption.Q, _caption.K, _caption.V, _caption.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_Generic() => _caption.Generic.Attend(_caption.Q, _caption.K, _caption.V, _caption.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_OnnxRuntime() => _caption.Onnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_Generated() => MediumAttention.Attend(_medium.Q, _medium.K, _medium.V, _medium.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_Generic() => _medium.Generic.Attend(_medium.Q, _medium.K, _medium.V, _medium.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_OnnxRuntime() => _medium.Onnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_ScalarLoop() => _medium.Scalar.Attend(_medium.Q, _medium.K, _medium.V, _medium.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_Generated() => OddAttention.Attend(_odd.Q, _odd.K, _odd.V, _odd.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_Generic() => _odd.Generic.Attend(_odd.Q, _odd.K, _odd.V, _odd.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_OnnxRuntime() => _odd.Onnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_Generated() => WhisperAttention.Attend(_whisper.Q, _whisper.K, _whisper.V, _whisper.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_Generic() => _whisper.Generic.Attend(_whisper.Q, _whisper.K, _whisper.V, _whisper.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_OnnxRuntime() => _whisper.Onnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Latent)]
    public void Latent_TensorPrimitives() => _latent.TensorPrimitives.Attend(_latent.Q, _latent.K, _latent.V, _latent.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_ScalarLoop() => _decode.Scalar.Attend(_decode.Q, _decode.K, _decode.V, _decode.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Decode)]
    public void Decode_TensorPrimitives() => _decode.TensorPrimitives.Attend(_decode.Q, _decode.K, _decode.V, _decode.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_ScalarLoop() => _caption.Scalar.Attend(_caption.Q, _caption.K, _caption.V, _caption.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Caption)]
    public void Caption_TensorPrimitives() => _caption.TensorPrimitives.Attend(_caption.Q, _caption.K, _caption.V, _caption.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Medium)]
    public void Medium_TensorPrimitives() => _medium.TensorPrimitives.Attend(_medium.Q, _medium.K, _medium.V, _medium.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_ScalarLoop() => _odd.Scalar.Attend(_odd.Q, _odd.K, _odd.V, _odd.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Odd)]
    public void Odd_TensorPrimitives() => _odd.TensorPrimitives.Attend(_odd.Q, _odd.K, _odd.V, _odd.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_ScalarLoop() => _whisper.Scalar.Attend(_whisper.Q, _whisper.K, _whisper.V, _whisper.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Whisper)]
    public void Whisper_TensorPrimitives() => _whisper.TensorPrimitives.Attend(_whisper.Q, _whisper.K, _whisper.V, _whisper.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_Generated() => GqaAttention.Attend(_gqa.Q, _gqa.K, _gqa.V, _gqa.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_Generic() => _gqa.Generic.Attend(_gqa.Q, _gqa.K, _gqa.V, _gqa.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_OnnxRuntime() => _gqa.Onnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_ScalarLoop() => _gqa.Scalar.Attend(_gqa.Q, _gqa.K, _gqa.V, _gqa.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Gqa)]
    public void Gqa_TensorPrimitives() => _gqa.TensorPrimitives.Attend(_gqa.Q, _gqa.K, _gqa.V, _gqa.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_Generated() => CausalAttention.Attend(_causal.Q, _causal.K, _causal.V, _causal.Output);

    [Benchmark(Baseline = true), BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_Generic() => _causal.Generic.Attend(_causal.Q, _causal.K, _causal.V, _causal.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_OnnxRuntime() => _causal.Onnx.Run();

    [Benchmark, BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_ScalarLoop() => _causal.Scalar.Attend(_causal.Q, _causal.K, _causal.V, _causal.Output);

    [Benchmark, BenchmarkCategory(BenchShapes.Causal)]
    public void Causal_TensorPrimitives() => _causal.TensorPrimitives.Attend(_causal.Q, _causal.K, _causal.V, _causal.Output);
}
