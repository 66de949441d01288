using System;

namespace CrossAttention.Bench;

/// <summary>A generated class's <c>ProjectContext(context, weights)</c>, so one case type serves every shape.</summary>
internal delegate ProjectedContext ContextProjection(ReadOnlySpan<float> context, CrossAttentionWeights weights);

/// <summary>
/// Everything one shape's layer benchmarks share (batch 1): seeded queries and context in [-1, 1] (64-byte aligned,
/// <see cref="TensorBuffer"/>), weights drawn as
/// <c>nn.Linear</c> initializes them, one output buffer every contender writes, the generic contender, and the
/// projected contexts the decoder-step and refill benchmarks use.
/// </summary>
internal sealed class LayerCase
{
    private const int Seed = 20240601;

    private readonly CrossAttentionShape _shape;
    private OnnxRunner? _forwardOnnx, _stepOnnx;

    public LayerCase(CrossAttentionShape shape, ContextProjection generatedProjection)
    {
        _shape = shape;
        var random = new Random(Seed);
        Queries = TensorBuffer.Random(random, shape.QueryLength);
        Context = TensorBuffer.Random(random, shape.Lkv * shape.KvDim);
        Weights = CrossAttentionWeights.CreateRandom(shape, Seed);
        Output = new TensorBuffer(shape.QueryLength);
        Generic = new GenericCrossAttention(shape);

        // Each path steps on the context it projected itself (its layout is the kernel's business, SPEC §5).
        GeneratedContext = generatedProjection(Context, Weights);
        GenericContext = Generic.ProjectContext(Context, Weights);
        Refilled = new ProjectedContext(shape, batch: 1);
    }

    public TensorBuffer Queries { get; }

    /// <summary><c>[1, Lkv, KvDim]</c>.</summary>
    public TensorBuffer Context { get; }

    public CrossAttentionWeights Weights { get; }

    public TensorBuffer Output { get; }

    public GenericCrossAttention Generic { get; }

    /// <summary>Made once by the generated <c>ProjectContext</c>; the generated decoder step reads it.</summary>
    public ProjectedContext GeneratedContext { get; }

    /// <summary>Made once by the generic <c>ProjectContext</c>; the generic decoder step reads it.</summary>
    public ProjectedContext GenericContext { get; }

    /// <summary>The one context every <c>ProjectContext</c> refill contender writes, so their results can be compared.</summary>
    public ProjectedContext Refilled { get; }

    /// <summary>ONNX Runtime's layer (MatMul + Add projections around MultiHeadAttention) into <see cref="Output"/>.</summary>
    public OnnxRunner ForwardOnnx => _forwardOnnx ??= new OnnxRunner(
        OnnxModels.Layer(_shape, Weights),
        [("queries", Queries, [1, _shape.Lq, _shape.D]), ("context", Context, [1, _shape.Lkv, _shape.KvDim])],
        ("output", Output, [1, _shape.Lq, _shape.D]));

    /// <summary>ONNX Runtime's decoder step: Q projection, attention on the projected K/V, output projection.</summary>
    public OnnxRunner StepOnnx => _stepOnnx ??= new OnnxRunner(
        OnnxModels.Step(_shape, Weights),
        [("queries", Queries, [1, _shape.Lq, _shape.D]),
         ("k", new TensorBuffer(GeneratedContext.KeyStorage), [1, _shape.Lkv, _shape.KeyValueWidth]),
         ("v", new TensorBuffer(GeneratedContext.ValueStorage), [1, _shape.Lkv, _shape.KeyValueWidth])],
        ("output", Output, [1, _shape.Lq, _shape.D]));
}
