using System;

namespace CrossAttention;

/// <summary>
/// Multi-head cross-attention for one shape — the attention core and the whole layer — as an object: what <see cref="CrossAttentionKernels.Resolve"/> returns,
/// implemented by <see cref="GenericCrossAttention"/> and by every generated kernel.
/// </summary>
public interface ICrossAttention
{
    /// <summary>The shape this instance computes.</summary>
    CrossAttentionShape Shape { get; }

    /// <summary>Which implementation runs on this machine.</summary>
    KernelPath Path { get; }

    /// <summary>Attention on projected <c>q [B, Lq, D]</c>, <c>k</c>, <c>v [B, Lkv, D]</c> into <c>output [B, Lq, D]</c>.</summary>
    void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output);

    /// <summary>
    /// Attention with a key mask <c>[B, Lkv]</c> (<c>true</c> = attend; empty = every key) that also writes the
    /// probabilities to <c>attentionWeights [B, Heads, Lq, Lkv]</c> (empty = don't write them).
    /// </summary>
    void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                ReadOnlySpan<bool> keyMask, Span<float> attentionWeights);

    /// <summary>
    /// The whole layer on <c>queries [B, Lq, D]</c> and <c>context [B, Lkv, KvDim]</c>: Q, K, V projections, attention,
    /// output projection, into <c>output [B, Lq, D]</c>.
    /// </summary>
    void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output);

    /// <summary>The whole layer with a key mask <c>[B, Lkv]</c> and the probabilities <c>[B, Heads, Lq, Lkv]</c> (either may be empty).</summary>
    void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                 ReadOnlySpan<bool> keyMask, Span<float> attentionWeights);

    /// <summary>Projects the keys and values of <c>context [B, Lkv, KvDim]</c> once, for many <c>Forward</c> calls.</summary>
    ProjectedContext ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights);

    /// <summary>Refills <paramref name="into"/> (made for this shape and batch) with the projection of <paramref name="context"/>; allocates nothing.</summary>
    void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into);

    /// <summary>The whole layer on a projected context: Q projection, attention, output projection.</summary>
    void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output);

    /// <summary>The whole layer on a projected context, with a key mask and the probabilities (either may be empty).</summary>
    void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                 ReadOnlySpan<bool> keyMask, Span<float> attentionWeights);
}

/// <summary>
/// A generated kernel as a type: generic code constrained to <c>TKernel : ICrossAttentionKernel</c> calls
/// <c>TKernel.Attend(…)</c> with no virtual dispatch. Every generated class has a nested <c>Kernel</c> type
/// implementing it, whose members are the class's own (<c>LatentAttention.Kernel.Attend</c> is
/// <c>LatentAttention.Attend</c>); for the kernel as an object, use <see cref="CrossAttentionKernels.Resolve"/>.
/// </summary>
public interface ICrossAttentionKernel
{
    /// <summary>The shape the kernel was generated for.</summary>
    static abstract CrossAttentionShape Shape { get; }

    /// <summary>Which implementation runs on this machine (named as the generated class's own property, which cannot be
    /// <c>Path</c>: inside the class that would hide <see cref="System.IO.Path"/>).</summary>
    static abstract KernelPath KernelPath { get; }

    /// <inheritdoc cref="ICrossAttention.Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output);

    /// <inheritdoc cref="ICrossAttention.Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                                ReadOnlySpan<bool> keyMask, Span<float> attentionWeights);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, CrossAttentionWeights, Span{float})"/>
    static abstract void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, CrossAttentionWeights, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    static abstract void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                                 ReadOnlySpan<bool> keyMask, Span<float> attentionWeights);

    /// <inheritdoc cref="ICrossAttention.ProjectContext(ReadOnlySpan{float}, CrossAttentionWeights)"/>
    static abstract ProjectedContext ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights);

    /// <inheritdoc cref="ICrossAttention.ProjectContext(ReadOnlySpan{float}, CrossAttentionWeights, ProjectedContext)"/>
    static abstract void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ProjectedContext, CrossAttentionWeights, Span{float})"/>
    static abstract void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ProjectedContext, CrossAttentionWeights, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    static abstract void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                                 ReadOnlySpan<bool> keyMask, Span<float> attentionWeights);
}
