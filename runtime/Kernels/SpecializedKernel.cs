using System;
using System.Collections.Generic;
using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// The public calls of one generated kernel, written once for every shape: each call is validated
/// (<see cref="KernelArguments"/>), then runs the widest tier of the generated code this CPU accelerates, or the
/// <see cref="GenericCrossAttention"/> fallback when it accelerates none (or the generic path is forced). The generated
/// class's members forward here, so the generated file holds only what is specific to its shape.
/// </summary>
/// <typeparam name="TWide">The code AVX-512 CPUs run (<c>Vector512</c>, or a narrower tier's when the shape cannot fill
/// 16 lanes).</typeparam>
/// <typeparam name="TMiddle">The code AVX2 CPUs run (<c>Vector256</c>, or the <c>Vector128</c> code).</typeparam>
/// <typeparam name="TNarrow">The <c>Vector128</c> code, for ARM64.</typeparam>
/// <remarks>Each type is a generated <c>file</c>-local struct, so the JIT specializes every call; the same struct
/// appears twice when a tier was not emitted because it would have been the narrower one's code.</remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class SpecializedKernel<TWide, TMiddle, TNarrow>
    where TWide : struct, IGeneratedKernel
    where TMiddle : struct, IGeneratedKernel
    where TNarrow : struct, IGeneratedKernel
{
    private static readonly GenericCrossAttention s_fallback = new(TNarrow.Shape);

    /// <summary>The shape the kernel was generated for.</summary>
    public static CrossAttentionShape Shape => TNarrow.Shape;

    /// <summary>Which path the calls take on this machine, decided once: the widest tier the CPU accelerates.</summary>
    public static KernelPath KernelPath { get; } =
        CrossAttentionKernels.ForceGeneric ? GenericCrossAttention.DefaultPath
        : TWide.IsSupported ? TWide.Tier
        : TMiddle.IsSupported ? TMiddle.Tier
        : TNarrow.IsSupported ? TNarrow.Tier
        : GenericCrossAttention.DefaultPath;

    /// <summary>
    /// The tiers generated for the shape, widest first (a tier that would repeat a narrower one's code is not). Made on
    /// each call, for tests and the bench: nothing is computed for it when a class starts.
    /// </summary>
    internal static IReadOnlyList<KernelPath> Tiers()
    {
        var tiers = new List<KernelPath> { TWide.Tier };
        if (!tiers.Contains(TMiddle.Tier))
        {
            tiers.Add(TMiddle.Tier);
        }

        if (!tiers.Contains(TNarrow.Tier))
        {
            tiers.Add(TNarrow.Tier);
        }

        return tiers;
    }

    /// <summary>
    /// The tier a CPU of <paramref name="width"/> runs (the widest generated not wider than it), or
    /// <paramref name="width"/> itself when it is a generic path.
    /// </summary>
    internal static KernelPath TierFor(KernelPath width) => width switch
    {
        KernelPath.Specialized512 => TWide.Tier,
        KernelPath.Specialized256 => TMiddle.Tier,
        KernelPath.Specialized128 => TNarrow.Tier,
        _ => width,
    };

    /// <inheritdoc cref="ICrossAttention.Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float})"/>
    public static void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        // One batch item of a kernel whose item is the whole batch item: nothing between the call and the arithmetic but
        // the lengths compared (a batch of one, so no division), the tier folded to a constant.
        CrossAttentionShape shape = TNarrow.Shape;
        if (q.Length == shape.QueryLength && k.Length == shape.KeyValueLength && v.Length == k.Length && output.Length == q.Length)
        {
            if (KernelPath == TWide.Tier && TierKernel<TWide>.AttendsWholeItems)
            {
                TierKernel<TWide>.AttendOne(q, k, v, output);
                return;
            }

            if (KernelPath == TMiddle.Tier && TierKernel<TMiddle>.AttendsWholeItems)
            {
                TierKernel<TMiddle>.AttendOne(q, k, v, output);
                return;
            }
        }

        Attend(KernelPath, q, k, v, output, default, default);
    }

    /// <inheritdoc cref="ICrossAttention.Attend(ReadOnlySpan{float}, ReadOnlySpan{float}, ReadOnlySpan{float}, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    public static void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                              ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        Attend(KernelPath, q, k, v, output, keyMask, attentionWeights);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, CrossAttentionWeights, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output) =>
        Forward(KernelPath, queries, context, weights, output, default, default);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ReadOnlySpan{float}, CrossAttentionWeights, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights, Span<float> output,
                               ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        Forward(KernelPath, queries, context, weights, output, keyMask, attentionWeights);

    /// <inheritdoc cref="ICrossAttention.ProjectContext(ReadOnlySpan{float}, CrossAttentionWeights)"/>
    public static ProjectedContext ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights) =>
        ProjectContext(KernelPath, context, weights);

    /// <inheritdoc cref="ICrossAttention.ProjectContext(ReadOnlySpan{float}, CrossAttentionWeights, ProjectedContext)"/>
    public static void ProjectContext(ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into) =>
        ProjectContext(KernelPath, context, weights, into);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ProjectedContext, CrossAttentionWeights, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output) =>
        Forward(KernelPath, queries, context, weights, output, default, default);

    /// <inheritdoc cref="ICrossAttention.Forward(ReadOnlySpan{float}, ProjectedContext, CrossAttentionWeights, Span{float}, ReadOnlySpan{bool}, Span{float})"/>
    public static void Forward(ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights, Span<float> output,
                               ReadOnlySpan<bool> keyMask, Span<float> attentionWeights) =>
        Forward(KernelPath, queries, context, weights, output, keyMask, attentionWeights);

    // The calls on a given path: KernelPath for the public calls (a static readonly the JIT folds, so each call compiles to the
    // one tier taken), any generated tier for tests and benchmarks of that tier.

    internal static void Attend(KernelPath path, ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output,
                                ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        int batch = KernelArguments.Attend(TNarrow.Shape, q.Length, k.Length, v.Length, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch == 0)
        {
            return;
        }

        if (path == TWide.Tier)
        {
            TierKernel<TWide>.Attend(q, k, v, output, keyMask, attentionWeights, batch);
        }
        else if (path == TMiddle.Tier)
        {
            TierKernel<TMiddle>.Attend(q, k, v, output, keyMask, attentionWeights, batch);
        }
        else if (path == TNarrow.Tier)
        {
            TierKernel<TNarrow>.Attend(q, k, v, output, keyMask, attentionWeights, batch);
        }
        else
        {
            s_fallback.Attend(q, k, v, output, keyMask, attentionWeights);
        }
    }

    internal static void Forward(KernelPath path, ReadOnlySpan<float> queries, ReadOnlySpan<float> context, CrossAttentionWeights weights,
                                 Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        int batch = KernelArguments.Forward(TNarrow.Shape, queries.Length, context.Length, weights, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch == 0)
        {
            return;
        }

        if (path == TWide.Tier)
        {
            TierKernel<TWide>.Forward(queries, context, weights, output, keyMask, attentionWeights, batch);
        }
        else if (path == TMiddle.Tier)
        {
            TierKernel<TMiddle>.Forward(queries, context, weights, output, keyMask, attentionWeights, batch);
        }
        else if (path == TNarrow.Tier)
        {
            TierKernel<TNarrow>.Forward(queries, context, weights, output, keyMask, attentionWeights, batch);
        }
        else
        {
            s_fallback.Forward(queries, context, weights, output, keyMask, attentionWeights);
        }
    }

    internal static ProjectedContext ProjectContext(KernelPath path, ReadOnlySpan<float> context, CrossAttentionWeights weights)
    {
        int batch = KernelArguments.ProjectContext(TNarrow.Shape, context.Length, weights);
        var projected = new ProjectedContext(TNarrow.Shape, batch);
        Fill(path, context, weights, projected, batch);
        return projected;
    }

    internal static void ProjectContext(KernelPath path, ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into) =>
        Fill(path, context, weights, into, KernelArguments.ProjectContext(TNarrow.Shape, context.Length, weights, into));

    private static void Fill(KernelPath path, ReadOnlySpan<float> context, CrossAttentionWeights weights, ProjectedContext into, int batch)
    {
        if (batch == 0)
        {
            return;
        }

        if (path == TWide.Tier)
        {
            TierKernel<TWide>.ProjectContext(context, weights, into, batch);
        }
        else if (path == TMiddle.Tier)
        {
            TierKernel<TMiddle>.ProjectContext(context, weights, into, batch);
        }
        else if (path == TNarrow.Tier)
        {
            TierKernel<TNarrow>.ProjectContext(context, weights, into, batch);
        }
        else
        {
            s_fallback.ProjectContext(context, weights, into);
        }
    }

    internal static void Forward(KernelPath path, ReadOnlySpan<float> queries, ProjectedContext context, CrossAttentionWeights weights,
                                 Span<float> output, ReadOnlySpan<bool> keyMask, Span<float> attentionWeights)
    {
        int batch = KernelArguments.Forward(TNarrow.Shape, queries.Length, context, weights, output.Length, keyMask.Length, attentionWeights.Length);
        if (batch == 0)
        {
            return;
        }

        if (path == TWide.Tier)
        {
            TierKernel<TWide>.Forward(queries, context, weights, output, keyMask, attentionWeights, batch);
        }
        else if (path == TMiddle.Tier)
        {
            TierKernel<TMiddle>.Forward(queries, context, weights, output, keyMask, attentionWeights, batch);
        }
        else if (path == TNarrow.Tier)
        {
            TierKernel<TNarrow>.Forward(queries, context, weights, output, keyMask, attentionWeights, batch);
        }
        else
        {
            s_fallback.Forward(queries, context, weights, output, keyMask, attentionWeights);
        }
    }
}
