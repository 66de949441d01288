using System;
using CrossAttention.Kernels;

namespace CrossAttention;

/// <summary>
/// The projection parameters of a cross-attention layer, in the PyTorch <c>nn.Linear</c> /
/// <c>nn.MultiheadAttention</c> layout (<c>y = x·Wᵀ + b</c>): <c>Wq [D, D]</c>, <c>Wk [KvHeads·dh, KvDim]</c>,
/// <c>Wv [KvHeads·dh, KvDim]</c>, <c>Wo [D, D]</c>, biases <c>Bq, Bo [D]</c> and <c>Bk, Bv [KvHeads·dh]</c>, row-major
/// (<c>KvHeads·dh = D</c> unless the shape has grouped-query heads).
/// </summary>
/// <remarks>
/// The spans are the storage: a value written through them is used by the next call. Kernels read this layout
/// directly; nothing derived from the weights is cached anywhere. Weights fit every shape with the same
/// <see cref="CrossAttentionShape.D"/>, <see cref="CrossAttentionShape.KvDim"/> and key/value width (a decoder step
/// with Lq = 1 and a full pass share them).
/// </remarks>
public sealed partial class CrossAttentionWeights
{
    // Each on a 64-byte boundary, so the kernels' vector loads of a row never straddle two cache lines.
    private readonly AlignedFloats _wq, _bq, _wk, _bk, _wv, _bv, _wo, _bo;

    /// <summary>All-zero weights for <paramref name="shape"/>'s D, KvDim and key/value heads, to fill through the span properties.</summary>
    public CrossAttentionWeights(CrossAttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        D = shape.D;
        KvDim = shape.KvDim;
        KeyValueWidth = shape.KeyValueWidth;
        _wq = new AlignedFloats((long)D * D);
        _bq = new AlignedFloats(D);
        _wk = new AlignedFloats((long)KeyValueWidth * KvDim);
        _bk = new AlignedFloats(KeyValueWidth);
        _wv = new AlignedFloats((long)KeyValueWidth * KvDim);
        _bv = new AlignedFloats(KeyValueWidth);
        _wo = new AlignedFloats((long)D * D);
        _bo = new AlignedFloats(D);
    }

    /// <summary>Weights copied from spans in the PyTorch layout; every length is checked.</summary>
    /// <exception cref="ArgumentException">A span's length is not the one its matrix or bias needs.</exception>
    public CrossAttentionWeights(CrossAttentionShape shape,
                                 ReadOnlySpan<float> wq, ReadOnlySpan<float> bq,
                                 ReadOnlySpan<float> wk, ReadOnlySpan<float> bk,
                                 ReadOnlySpan<float> wv, ReadOnlySpan<float> bv,
                                 ReadOnlySpan<float> wo, ReadOnlySpan<float> bo)
        : this(shape)
    {
        Copy(wq, _wq, nameof(wq), $"[D, D] = [{D}, {D}]");
        Copy(bq, _bq, nameof(bq), $"[D] = [{D}]");
        Copy(wk, _wk, nameof(wk), $"[KvHeads·dh, KvDim] = [{KeyValueWidth}, {KvDim}]");
        Copy(bk, _bk, nameof(bk), $"[KvHeads·dh] = [{KeyValueWidth}]");
        Copy(wv, _wv, nameof(wv), $"[KvHeads·dh, KvDim] = [{KeyValueWidth}, {KvDim}]");
        Copy(bv, _bv, nameof(bv), $"[KvHeads·dh] = [{KeyValueWidth}]");
        Copy(wo, _wo, nameof(wo), $"[D, D] = [{D}, {D}]");
        Copy(bo, _bo, nameof(bo), $"[D] = [{D}]");
    }

    /// <summary>
    /// Weights drawn as <c>nn.Linear</c> initializes them, U(±1/√fan_in): <c>Wq</c>, <c>Bq</c>, <c>Wo</c>, <c>Bo</c>
    /// with fan-in D, <c>Wk</c>, <c>Bk</c>, <c>Wv</c>, <c>Bv</c> with fan-in KvDim; the same seed gives the same weights.
    /// </summary>
    public static CrossAttentionWeights CreateRandom(CrossAttentionShape shape, int seed)
    {
        var weights = new CrossAttentionWeights(shape);
        var random = new Random(seed);
        float query = 1f / MathF.Sqrt(weights.D), context = 1f / MathF.Sqrt(weights.KvDim);
        foreach ((AlignedFloats storage, float bound) in new[]
                 {
                     (weights._wq, query), (weights._bq, query), (weights._wk, context), (weights._bk, context),
                     (weights._wv, context), (weights._bv, context), (weights._wo, query), (weights._bo, query),
                 })
        {
            Span<float> values = storage.Span;
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = ((random.NextSingle() * 2f) - 1f) * bound;
            }
        }

        return weights;
    }

    /// <summary>Model width: the output size of every projection and the input size of Q and O.</summary>
    public int D { get; }

    /// <summary>Context feature size: the input size of the K and V projections.</summary>
    public int KvDim { get; }

    /// <summary>The output size of the K and V projections: KvHeads · head size (<see cref="D"/> unless grouped).</summary>
    public int KeyValueWidth { get; }

    /// <summary>Query projection weight, <c>[D, D]</c>.</summary>
    public Span<float> Wq => _wq.Span;

    /// <summary>Query projection bias, <c>[D]</c>.</summary>
    public Span<float> Bq => _bq.Span;

    /// <summary>Key projection weight, <c>[KvHeads·dh, KvDim]</c>.</summary>
    public Span<float> Wk => _wk.Span;

    /// <summary>Key projection bias, <c>[KvHeads·dh]</c>.</summary>
    public Span<float> Bk => _bk.Span;

    /// <summary>Value projection weight, <c>[KvHeads·dh, KvDim]</c>.</summary>
    public Span<float> Wv => _wv.Span;

    /// <summary>Value projection bias, <c>[KvHeads·dh]</c>.</summary>
    public Span<float> Bv => _bv.Span;

    /// <summary>Output projection weight, <c>[D, D]</c>.</summary>
    public Span<float> Wo => _wo.Span;

    /// <summary>Output projection bias, <c>[D]</c>.</summary>
    public Span<float> Bo => _bo.Span;

    /// <summary>True when these weights have the sizes <paramref name="shape"/> needs (its D, KvDim and key/value width).</summary>
    public bool Fits(CrossAttentionShape shape) => shape.D == D && shape.KvDim == KvDim && shape.KeyValueWidth == KeyValueWidth;

    private static void Copy(ReadOnlySpan<float> source, AlignedFloats storage, string name, string shapeText)
    {
        Span<float> destination = storage.Span;
        if (source.Length != destination.Length)
        {
            throw new ArgumentException(
                $"{name} has {source.Length} elements; expected {destination.Length} ({shapeText}, PyTorch nn.Linear layout).", name);
        }

        source.CopyTo(destination);
    }
}
