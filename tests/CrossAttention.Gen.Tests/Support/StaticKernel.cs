using System;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// A generated class's nested <c>Kernel</c> type as an <see cref="ICrossAttention"/> object, calling it the way generic
/// code does (<c>TKernel.Attend(…)</c>, no virtual dispatch): every test that runs a generated kernel through this also
/// tests the static interface.
/// </summary>
internal sealed class StaticKernel<TKernel> : ICrossAttention
    where TKernel : ICrossAttentionKernel
{
    public CrossAttentionShape Shape => TKernel.Shape;

    public KernelPath Path => TKernel.KernelPath;

    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output) =>
        TKernel.Attend(q, k, v, output);

    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                       ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        TKernel.Attend(q, k, v, output, keyMask, attentionWeights);

    public void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output) =>
        TKernel.Forward(queries, context, weights, output);

    public void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                        ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        TKernel.Forward(queries, context, weights, output, keyMask, attentionWeights);

    public ProjectedContext ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights) =>
        TKernel.ProjectContext(context, weights);

    public void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into) =>
        TKernel.ProjectContext(context, weights, into);

    public void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output) =>
        TKernel.Forward(queries, context, weights, output);

    public void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                        ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        TKernel.Forward(queries, context, weights, output, keyMask, attentionWeights);
}
