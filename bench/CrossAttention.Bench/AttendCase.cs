using System;

namespace CrossAttention.Bench;

/// <summary>
/// Everything one shape's <c>Attend</c> benchmarks share: the same seeded inputs in [-1, 1] (batch 1), one output
/// buffer every contender writes (each 64-byte aligned, <see cref="TensorBuffer"/>), and the non-generated contenders.
/// </summary>
internal sealed class AttendCase
{
    private const int Seed = 20240601;
    private readonly CrossAttentionShape _shape;
    private OnnxRunner? _onnx;

    public AttendCase(CrossAttentionShape shape)
    {
        _shape = shape;
        var random = new Random(Seed);
        Q = TensorBuffer.Random(random, shape.QueryLength);
        K = TensorBuffer.Random(random, shape.KeyValueLength);
        V = TensorBuffer.Random(random, shape.KeyValueLength);
        Output = new TensorBuffer(shape.QueryLength);
        Generic = new GenericCrossAttention(shape);
        Scalar = new ScalarAttention(shape);
        TensorPrimitives = new TensorPrimitivesAttention(shape);
    }

    public TensorBuffer Q { get; }

    public TensorBuffer K { get; }

    public TensorBuffer V { get; }

    public TensorBuffer Output { get; }

    public GenericCrossAttention Generic { get; }

    public ScalarAttention Scalar { get; }

    public TensorPrimitivesAttention TensorPrimitives { get; }

    /// <summary>ONNX Runtime's MultiHeadAttention on the same q, k, v into the same output (made on first use).</summary>
    public OnnxRunner Onnx => _onnx ??= new OnnxRunner(
        OnnxModels.Attention(_shape),
        [("q", Q, [1, _shape.Lq, _shape.D]), ("k", K, [1, _shape.Lkv, _shape.KeyValueWidth]), ("v", V, [1, _shape.Lkv, _shape.KeyValueWidth])],
        ("output", Output, [1, _shape.Lq, _shape.D]));
}
