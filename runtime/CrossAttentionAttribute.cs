using System;

namespace CrossAttention;

/// <summary>
/// Asks the CrossAttention.Gen source generator to fill in the annotated <c>partial class</c> with multi-head
/// cross-attention kernels specialized to this shape: <c>Shape</c>, <c>KernelPath</c>, <c>Attend</c>, <c>Forward</c>,
/// <c>ProjectContext</c> and the nested <c>Kernel</c> type, for generic code.
/// </summary>
/// <remarks>
/// Queries have <c>lq</c> tokens of <c>d</c> features, keys and values
/// <c>lkv</c> tokens; the features are split into <c>heads</c> heads of
/// <c>d / heads</c> columns each. Invalid shapes are compile errors (CXA0003–CXA0006, CXA0013, CXA0014).
/// </remarks>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class CrossAttentionAttribute : Attribute
{
    /// <param name="lq">Number of query tokens (sequence A).</param>
    /// <param name="lkv">Number of key/value tokens (sequence B).</param>
    /// <param name="d">Model width: features per query, key and value token.</param>
    /// <param name="heads">Number of attention heads; must divide <paramref name="d"/>.</param>
    public CrossAttentionAttribute(int lq, int lkv, int d, int heads)
    {
        Lq = lq;
        Lkv = lkv;
        D = d;
        Heads = heads;
    }

    /// <summary>Number of query tokens.</summary>
    public int Lq { get; }

    /// <summary>Number of key/value tokens.</summary>
    public int Lkv { get; }

    /// <summary>Model width.</summary>
    public int D { get; }

    /// <summary>Number of heads.</summary>
    public int Heads { get; }

    /// <summary>Feature size of the context (sequence B) before projection; 0, the default, means <see cref="D"/>.</summary>
    public int KvDim { get; set; }

    /// <summary>Score scale; 0, the default, means 1/√(D / Heads). Any finite non-zero value is used as given.</summary>
    public float Scale { get; set; }

    /// <summary>
    /// Key/value heads for grouped-query attention; 0, the default, means <see cref="Heads"/>. Must divide
    /// <see cref="Heads"/>: query head h reads key/value head h / (Heads / KvHeads), as PyTorch's
    /// <c>repeat_interleave</c>; 1 is multi-query attention. Keys and values are then <c>[B, Lkv, KvHeads · D / Heads]</c>.
    /// </summary>
    public int KvHeads { get; set; }

    /// <summary>
    /// Causal masking: query row i attends key j only if j ≤ i + (Lkv − Lq), aligned lower-right (with Lq = Lkv the usual
    /// self-attention mask), combined with the key mask by AND. Needs Lq ≤ Lkv.
    /// </summary>
    public bool Causal { get; set; }
}
