using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// A generated kernel as an <see cref="ICrossAttention"/> object: what <see cref="CrossAttentionKernels.Resolve"/>
/// returns for a shape some loaded assembly has generated code for. Every generated file registers its kernel from a
/// module initializer (<see cref="Register"/>), with a type visible at assembly level however deeply (or privately) the
/// annotated class is nested, and no reflection.
/// </summary>
/// <typeparam name="TWide">The code AVX-512 CPUs run.</typeparam>
/// <typeparam name="TMiddle">The code AVX2 CPUs run.</typeparam>
/// <typeparam name="TNarrow">The <c>Vector128</c> code, for ARM64.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public sealed class GeneratedCrossAttention<TWide, TMiddle, TNarrow> : ICrossAttention, ITieredKernel
    where TWide : struct, IGeneratedKernel
    where TMiddle : struct, IGeneratedKernel
    where TNarrow : struct, IGeneratedKernel
{
    private readonly KernelPath _path;

    /// <summary>The kernel on the path this machine takes (<see cref="SpecializedKernel{TWide, TMiddle, TNarrow}.KernelPath"/>).</summary>
    public GeneratedCrossAttention()
        : this(SpecializedKernel<TWide, TMiddle, TNarrow>.KernelPath)
    {
    }

    private GeneratedCrossAttention(KernelPath path) => _path = path;

    /// <summary>
    /// Makes the kernel known to <see cref="CrossAttentionKernels.Resolve"/>. Called by the module initializer the
    /// generator emits with the kernel; the kernel object itself is made when a <c>Resolve</c> first asks for its shape.
    /// </summary>
    public static void Register() =>
        CrossAttentionKernels.Register(TNarrow.Shape, typeof(TNarrow).Assembly, static () => new GeneratedCrossAttention<TWide, TMiddle, TNarrow>());

    /// <inheritdoc/>
    public CrossAttentionShape Shape => TNarrow.Shape;

    /// <inheritdoc/>
    public KernelPath Path => _path;

    IReadOnlyList<KernelPath> ITieredKernel.Tiers => SpecializedKernel<TWide, TMiddle, TNarrow>.Tiers();

    ICrossAttention ITieredKernel.OnTier(KernelPath tier) =>
        tier.IsSpecialized() ? new GeneratedCrossAttention<TWide, TMiddle, TNarrow>(SpecializedKernel<TWide, TMiddle, TNarrow>.TierFor(tier))
        : throw new ArgumentOutOfRangeException(nameof(tier), tier, "Expected Specialized512, Specialized256 or Specialized128.");

    /// <inheritdoc/>
    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output) =>
        SpecializedKernel<TWide, TMiddle, TNarrow>.Attend(_path, q, k, v, output, default, default);

    /// <inheritdoc/>
    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                       ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        SpecializedKernel<TWide, TMiddle, TNarrow>.Attend(_path, q, k, v, output, keyMask, attentionWeights);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output) =>
        SpecializedKernel<TWide, TMiddle, TNarrow>.Forward(_path, queries, context, weights, output, default, default);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                        ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        SpecializedKernel<TWide, TMiddle, TNarrow>.Forward(_path, queries, context, weights, output, keyMask, attentionWeights);

    /// <inheritdoc/>
    public ProjectedContext ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights) =>
        SpecializedKernel<TWide, TMiddle, TNarrow>.ProjectContext(_path, context, weights);

    /// <inheritdoc/>
    public void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into) =>
        SpecializedKernel<TWide, TMiddle, TNarrow>.ProjectContext(_path, context, weights, into);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output) =>
        SpecializedKernel<TWide, TMiddle, TNarrow>.Forward(_path, queries, context, weights, output, default, default);

    /// <inheritdoc/>
    public void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                        ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        SpecializedKernel<TWide, TMiddle, TNarrow>.Forward(_path, queries, context, weights, output, keyMask, attentionWeights);
}

/// <summary>A generated kernel's tiers, each runnable on its own: how tests run every tier on one machine.</summary>
internal interface ITieredKernel
{
    /// <summary>The tiers generated for the shape, widest first.</summary>
    IReadOnlyList<KernelPath> Tiers { get; }

    /// <summary>
    /// The kernel running the code CPUs of <paramref name="tier"/> run, whether or not this CPU accelerates it (where it
    /// does not, the vectors are emulated in software: exact, slow).
    /// </summary>
    ICrossAttention OnTier(KernelPath tier);
}
