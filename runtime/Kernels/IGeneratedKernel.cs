using System;
using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// The contract between a generated file and the runtime: what is specific to one shape. The generator emits one
/// <c>file</c>-local struct implementing it per annotated class; <see cref="SpecializedKernel{TKernel}"/> holds
/// everything else (argument checks, the choice of path, the fallback) once for every shape. Implemented by generated
/// code only.
/// </summary>
/// <remarks>
/// Every method runs on arguments <see cref="KernelArguments"/> has already validated, with <c>batch</c> ≥ 1, and only
/// when <see cref="IsSupported"/> is true.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGeneratedKernel
{
    /// <summary>The shape the code was generated for, as the attribute gives it.</summary>
    static abstract CrossAttentionShape Shape { get; }

    /// <summary>The tier the generated code is: <see cref="KernelPath.Specialized256"/> for <c>Vector256</c> code.</summary>
    static abstract KernelPath Tier { get; }

    /// <summary>True when this CPU runs the generated code.</summary>
    static abstract bool IsSupported { get; }

    /// <summary>Attention on projected q, k, v (<c>keyMask</c> and <c>attentionWeights</c> may be empty).</summary>
    static abstract void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                                ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch);

    /// <summary>The whole layer on raw queries and context.</summary>
    static abstract void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights,
                                 Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch);

    /// <summary>Projects the keys and values of <paramref name="context"/> into <paramref name="into"/>.</summary>
    static abstract void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into, int batch);

    /// <summary>The whole layer on a projected context.</summary>
    static abstract void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights,
                                 Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights, int batch);
}
