using System;
using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// The public calls of one generated kernel, written once for every shape: each call is validated
/// (<see cref="KernelArguments"/>), then runs the generated code <typeparamref name="TKernel"/> where this CPU runs it,
/// or the <see cref="GenericCrossAttention"/> fallback otherwise (or when the generic path is forced). The generated
/// class's members forward here, so the generated file holds only what is specific to its shape.
/// </summary>
/// <typeparam name="TKernel">The generated <c>file</c>-local struct; a struct, so the JIT specializes every call.</typeparam>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SpecializedKernel<TKernel>
    where TKernel : struct, IGeneratedKernel
{
    private static readonly GenericCrossAttention s_fallback = new(TKernel.Shape);

    /// <summary>The shape the kernel was generated for.</summary>
    public static CrossAttentionShape Shape => TKernel.Shape;

    /// <summary>Which path the calls take on this machine, decided once.</summary>
    public static KernelPath Path { get; } =
        TKernel.IsSupported && !CrossAttentionKernels.ForceGeneric ? TKernel.Tier : GenericCrossAttention.DefaultPath;

    private static bool Specialized => Path.IsSpecialized();

    /// <inheritdoc cref="ICrossAttention.Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output) =>
        Attend(q, k, v, output, default, default);

    /// <inheritdoc cref="ICrossAttention.Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    public static void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                              ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        int batch = KernelArguments.Attend(TKernel.Shape, q.Length, k.Length, v.Length, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch == 0)
        {
            return;
        }

        if (Specialized)
        {
            TKernel.Attend(q, k, v, output, keyMask, attentionWeights, batch);
        }
        else
        {
            s_fallback.Attend(q, k, v, output, keyMask, attentionWeights);
        }
    }

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, CrossAttentionWeights, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output) =>
        Forward(queries, context, weights, output, default, default);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, CrossAttentionWeights, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                               ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        int batch = KernelArguments.Forward(TKernel.Shape, queries.Length, context.Length, weights, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch == 0)
        {
            return;
        }

        if (Specialized)
        {
            TKernel.Forward(queries, context, weights, output, keyMask, attentionWeights, batch);
        }
        else
        {
            s_fallback.Forward(queries, context, weights, output, keyMask, attentionWeights);
        }
    }

    /// <inheritdoc cref="ICrossAttention.ProjectContext(ReadOnlySpan{float}, CrossAttentionWeights)"/>
    public static ProjectedContext ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights)
    {
        int batch = KernelArguments.ProjectContext(TKernel.Shape, context.Length, weights);
        var projected = new ProjectedContext(TKernel.Shape, batch);
        Fill(context, weights, projected, batch);
        return projected;
    }

    /// <inheritdoc cref="ICrossAttention.ProjectContext(ReadOnlySpan{float}, CrossAttentionWeights, ProjectedContext)"/>
    public static void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into) =>
        Fill(context, weights, into, KernelArguments.ProjectContext(TKernel.Shape, context.Length, weights, into));

    private static void Fill(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into, int batch)
    {
        if (batch == 0)
        {
            return;
        }

        if (Specialized)
        {
            TKernel.ProjectContext(context, weights, into, batch);
        }
        else
        {
            s_fallback.ProjectContext(context, weights, into);
        }
    }

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ProjectedContext, CrossAttentionWeights, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output) =>
        Forward(queries, context, weights, output, default, default);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ProjectedContext, CrossAttentionWeights, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                               ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        int batch = KernelArguments.Forward(TKernel.Shape, queries.Length, context, weights, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch == 0)
        {
            return;
        }

        if (Specialized)
        {
            TKernel.Forward(queries, context, weights, output, keyMask, attentionWeights, batch);
        }
        else
        {
            s_fallback.Forward(queries, context, weights, output, keyMask, attentionWeights);
        }
    }
}
