using System;
using System.ComponentModel;
using CrossAttention.Kernels;

namespace CrossAttention;

/// <summary>
/// The projected keys and values of a batch of contexts, made once by <c>ProjectContext</c> and read by every
/// <c>Forward</c> that attends to it — the decoder pattern, where many query steps attend to one source. A step on it
/// does no work that grows with the context's feature size.
/// </summary>
/// <remarks>
/// Its layout is the kernel's business. Refill it with <c>ProjectContext(context, weights, into)</c>, which allocates
/// nothing. Not thread-safe while being refilled; any number of concurrent <c>Forward</c> calls may read it.
/// </remarks>
public sealed class ProjectedContext
{
    /// <summary>An empty projected context for <paramref name="batch"/> contexts of <paramref name="shape"/>, to fill.</summary>
    public ProjectedContext(CrossAttentionShape shape, int batch)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        Shape = shape;
        Batch = batch;
        _keys = new AlignedFloats((long)batch * shape.KeyValueLength);
        _values = new AlignedFloats(_keys.Length);
    }

    // On 64-byte boundaries, as the weights (AlignedFloats): a key or value row of whole vectors is read without a split load.
    private readonly AlignedFloats _keys, _values;

    /// <summary>The shape it was made for; <c>Forward</c> and <c>ProjectContext(…, into)</c> accept only this shape.</summary>
    public CrossAttentionShape Shape { get; }

    /// <summary>How many contexts it holds; a <c>Forward</c> on it needs a query batch of this size.</summary>
    public int Batch { get; }

    /// <summary>Projected keys, <c>[Batch, Lkv, KvHeads·dh]</c>: only the key/value heads, however many query heads share them.</summary>
    internal Span<float> Keys => _keys.Span;

    /// <summary>Projected values, <c>[Batch, Lkv, KvHeads·dh]</c>.</summary>
    internal Span<float> Values => _values.Span;

    /// <summary>The projected keys, for generated kernels; not meant to be used directly.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public Span<float> KeyStorage => Keys;

    /// <summary>The projected values, for generated kernels; not meant to be used directly.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public Span<float> ValueStorage => Values;
}
