using System;
using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// The contract between a generated file and the runtime: what is specific to one shape, in one vector width — the
/// attention of one item, and the projections when they are generated. The generator emits one <c>file</c>-local
/// struct implementing it per annotated class and tier; the runtime holds everything else once for every shape:
/// argument checks, the choice of tier and the fallback (<see cref="SpecializedKernel{TWide, TMiddle, TNarrow}"/>),
/// the loop over batch items and heads, key masks, threading, scratch memory and the layer around the attention
/// (<see cref="TierKernel{TKernel}"/>). Implemented by generated code only.
/// </summary>
/// <remarks>
/// Every method runs on arguments <see cref="KernelArguments"/> has already validated, and only on the tier chosen
/// (<see cref="IsSupported"/> true, or asked for by a test of that tier).
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IGeneratedKernel
{
    /// <summary>The shape the code was generated for, as the attribute gives it.</summary>
    static abstract CrossAttentionShape Shape { get; }

    /// <summary>The tier the generated code is: <see cref="KernelPath.Specialized512"/> for <c>Vector512</c> code,
    /// <see cref="KernelPath.Specialized256"/> for <c>Vector256</c>, <see cref="KernelPath.Specialized128"/> for
    /// <c>Vector128</c>.</summary>
    static abstract KernelPath Tier { get; }

    /// <summary>True when this CPU accelerates the tier's vectors (the code runs anywhere, emulated in software where not).</summary>
    static abstract bool IsSupported { get; }

    /// <summary>
    /// Query heads of one batch item an item covers, consecutive: 1; 2, a pair of heads sharing a key/value head
    /// (grouped-query attention, read once for both); or <c>Heads</c>, the whole batch item (heads in the vector lanes).
    /// </summary>
    static abstract int HeadsPerItem { get; }

    /// <summary>Floats in one row of the score buffer, and ints in the key-mask buffer: whole vectors covering the keys.</summary>
    static abstract int ScoreBufferLength { get; }

    /// <summary>Rows of the score buffer an item uses (query rows computed together); 0 for a kernel that keeps its scores in registers.</summary>
    static abstract int ScoreRows { get; }

    /// <summary>
    /// Attention for one item whose batch item has at least one attended key. <paramref name="q"/> and
    /// <paramref name="o"/> point at the item's first column of query row 0, <paramref name="k"/> and
    /// <paramref name="v"/> at its key/value head's first column of key row 0 (rows <c>KvHeads · dh</c> apart); <paramref name="w"/> at the item's
    /// attention weights when <paramref name="writeWeights"/>; <paramref name="keep"/>: −1 for attended keys, 0 for
    /// masked keys and padding lanes (<see cref="KeyMasks.Fill"/>); <paramref name="scores"/>: the score buffer.
    /// <typeparamref name="TKeys"/> says whether <paramref name="keep"/> may mask keys (<see cref="IKeySelection"/>);
    /// a kernel may ignore it and read <paramref name="keep"/> either way.
    /// </summary>
    static abstract void AttendItem<TKeys>(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep, ref float scores)
        where TKeys : struct, IKeySelection;

    /// <summary><c>y = x·Wᵀ + b</c> from <c>D</c> to <c>D</c> columns (the query and output projections).</summary>
    static abstract void ProjectQueries(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> w, ReadOnlySpan<float> b, Span<float> y);

    /// <summary>
    /// <c>keys = x·Wkᵀ + bk</c> and <c>values = x·Wvᵀ + bv</c> from <c>KvDim</c> to <c>KvHeads · dh</c> columns, the
    /// same rows for both (packed once where the tier's kernel packs them).
    /// </summary>
    static abstract void ProjectKeysAndValues(ReadOnlySpan<float> x, int rows, ReadOnlySpan<float> wk, ReadOnlySpan<float> bk, Span<float> keys,
                                              ReadOnlySpan<float> wv, ReadOnlySpan<float> bv, Span<float> values);
}
