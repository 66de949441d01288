using System;

namespace CrossAttention;

/// <summary>
/// Multi-head cross-attention for one shape, as an object: what <see cref="CrossAttentionKernels.Resolve"/> returns,
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
}

/// <summary>
/// A generated kernel as a type: generic code constrained to <c>TKernel : ICrossAttentionKernel</c> calls
/// <c>TKernel.Attend(…)</c> with no virtual dispatch. Every generated class has a nested <c>Kernel</c> type
/// implementing it.
/// </summary>
public interface ICrossAttentionKernel
{
    /// <summary>The shape the kernel was generated for.</summary>
    static abstract CrossAttentionShape Shape { get; }

    /// <summary>Which implementation runs on this machine.</summary>
    static abstract KernelPath Path { get; }

    /// <inheritdoc cref="ICrossAttention.Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output);

    /// <inheritdoc cref="ICrossAttention.Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                                ReadOnlySpan<bool> keyMask, Span<float> attentionWeights);
}
