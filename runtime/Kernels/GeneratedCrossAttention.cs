using System;
using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// A generated kernel as an <see cref="ICrossAttention"/> object: what <see cref="CrossAttentionKernels.Resolve"/>
/// returns for a shape some loaded assembly has generated code for. Every generated file registers its kernel as
/// <c>[assembly: CrossAttentionKernel(typeof(GeneratedCrossAttention&lt;…&gt;))]</c>, a type visible at assembly level
/// however deeply (or privately) the annotated class is nested.
/// </summary>
/// <typeparam name="TKernel">The generated <c>file</c>-local struct.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedCrossAttention<TKernel> : ICrossAttention
    where TKernel : struct, IGeneratedKernel
{
    /// <inheritdoc/>
    public CrossAttentionShape Shape => TKernel.Shape;

    /// <inheritdoc/>
    public KernelPath Path => SpecializedKernel<TKernel>.Path;

    /// <inheritdoc/>
    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output) =>
        SpecializedKernel<TKernel>.Attend(q, k, v, output);

    /// <inheritdoc/>
    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                       ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        SpecializedKernel<TKernel>.Attend(q, k, v, output, keyMask, attentionWeights);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output) =>
        SpecializedKernel<TKernel>.Forward(queries, context, weights, output);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                        ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        SpecializedKernel<TKernel>.Forward(queries, context, weights, output, keyMask, attentionWeights);

    /// <inheritdoc/>
    public ProjectedContext ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights) =>
        SpecializedKernel<TKernel>.ProjectContext(context, weights);

    /// <inheritdoc/>
    public void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into) =>
        SpecializedKernel<TKernel>.ProjectContext(context, weights, into);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output) =>
        SpecializedKernel<TKernel>.Forward(queries, context, weights, output);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                        ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        SpecializedKernel<TKernel>.Forward(queries, context, weights, output, keyMask, attentionWeights);
}
