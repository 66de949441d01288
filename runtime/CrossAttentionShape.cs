using System;
using System.Globalization;

namespace CrossAttention;

/// <summary>
/// A validated multi-head cross-attention shape: <see cref="Lq"/> queries over <see cref="Lkv"/> keys and values of
/// width <see cref="D"/>, split into <see cref="Heads"/> heads of <see cref="HeadSize"/> columns.
/// </summary>
/// <remarks>Two shapes are equal when every resolved property is equal.</remarks>
public sealed class CrossAttentionShape : IEquatable<CrossAttentionShape>
{
    /// <summary>Creates and validates a shape.</summary>
    /// <param name="lq">Query tokens, &gt; 0.</param>
    /// <param name="lkv">Key/value tokens, &gt; 0.</param>
    /// <param name="d">Model width, &gt; 0 and a multiple of <paramref name="heads"/>.</param>
    /// <param name="heads">Heads, &gt; 0.</param>
    /// <param name="kvDim">Context feature size; 0 means <paramref name="d"/>.</param>
    /// <param name="scale">Score scale; 0 means 1/√(d / heads). Must be finite.</param>
    /// <param name="kvHeads">
    /// Key/value heads (grouped-query attention): query head h reads key/value head h / (heads / kvHeads), as PyTorch's
    /// <c>repeat_interleave</c>; must divide <paramref name="heads"/>; 1 is multi-query attention; 0 means
    /// <paramref name="heads"/>.
    /// </param>
    /// <param name="causal">
    /// Query row i attends key j only if j ≤ i + (lkv − lq) (aligned lower-right), combined with any key mask by AND;
    /// needs <paramref name="lq"/> ≤ <paramref name="lkv"/>.
    /// </param>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, the scale is not finite, or kvHeads is negative.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="heads"/> does not divide <paramref name="d"/>, <paramref name="kvHeads"/> does not divide
    /// <paramref name="heads"/>, or <paramref name="causal"/> with more queries than keys.
    /// </exception>
    public CrossAttentionShape(int lq, int lkv, int d, int heads, int kvDim = 0, float scale = 0f, int kvHeads = 0, bool causal = false)
    {
        ShapeError error = ShapeRules.Validate(lq, lkv, d, heads, kvDim, scale, kvHeads, causal, out string parameter, out string message);
        switch (error)
        {
            case ShapeError.None:
                break;
            case ShapeError.HeadsDoNotDivideD or ShapeError.CausalWithMoreQueries:
            case ShapeError.InvalidKvHeads when kvHeads > 0:
                throw new ArgumentException(message, parameter);
            default:
                throw new ArgumentOutOfRangeException(parameter, message);
        }

        Lq = lq;
        Lkv = lkv;
        D = d;
        Heads = heads;
        HeadSize = ShapeRules.HeadSize(d, heads);
        KvDim = ShapeRules.ResolveKvDim(d, kvDim);
        Scale = ShapeRules.ResolveScale(HeadSize, scale);
        HasDefaultScale = scale == 0f;
        KvHeads = ShapeRules.ResolveKvHeads(heads, kvHeads);
        Causal = causal;
    }

    /// <summary>Query tokens.</summary>
    public int Lq { get; }

    /// <summary>Key/value tokens.</summary>
    public int Lkv { get; }

    /// <summary>Model width.</summary>
    public int D { get; }

    /// <summary>Heads.</summary>
    public int Heads { get; }

    /// <summary>Context feature size (resolved: <see cref="D"/> unless set).</summary>
    public int KvDim { get; }

    /// <summary>Columns per head, <c>D / Heads</c>.</summary>
    public int HeadSize { get; }

    /// <summary>Score scale (resolved: 1/√<see cref="HeadSize"/> unless set).</summary>
    public float Scale { get; }

    /// <summary>
    /// True when a generated kernel's <c>Forward</c> on a raw context attends over the context itself, with <c>Wk</c>
    /// and <c>Wv</c> folded into the queries and results, rather than projecting it into keys and values first
    /// (<see cref="ShapeRules.ForwardsOverContext"/>).
    /// </summary>
    internal bool ForwardsOverContext => ShapeRules.ForwardsOverContext(Lq, Lkv, D, Heads, KvDim, KvHeads, Causal);

    /// <summary>
    /// True when the scale was left to its default (0 asked): the tests' float64 reference then computes 1/√dh itself
    /// rather than trust <see cref="Scale"/>, so a wrong default cannot hide behind a reference that shares it.
    /// </summary>
    internal bool HasDefaultScale { get; }

    /// <summary>Key/value heads (resolved: <see cref="Heads"/> unless set); query head h reads key/value head h / (Heads / KvHeads).</summary>
    public int KvHeads { get; }

    /// <summary>Whether query row i attends only keys j ≤ i + (Lkv − Lq), on top of any key mask.</summary>
    public bool Causal { get; }

    /// <summary>Query heads per key/value head, <c>Heads / KvHeads</c> (1 without grouped-query attention).</summary>
    public int GroupSize => Heads / KvHeads;

    /// <summary>Columns of a projected key or value row, <c>KvHeads · HeadSize</c> (<see cref="D"/> unless grouped).</summary>
    public int KeyValueWidth => KvHeads * HeadSize;

    /// <summary>Elements of <c>q</c> or <c>output</c> per batch item, <c>Lq · D</c>.</summary>
    public int QueryLength => Lq * D;

    /// <summary>Elements of <c>k</c> or <c>v</c> per batch item, <c>Lkv · KvHeads · HeadSize</c>.</summary>
    public int KeyValueLength => Lkv * KeyValueWidth;

    /// <summary>Elements of <c>attentionWeights</c> per batch item, <c>Heads · Lq · Lkv</c>.</summary>
    public int WeightsLength => Heads * Lq * Lkv;

    /// <summary>Floating-point operations of one <c>Attend</c> per batch item (2 per multiply-add; causal: the pairs seen).</summary>
    public long AttendFlops => ShapeRules.AttendFlops(Lq, Lkv, D, Causal);

    /// <summary>
    /// The keys query row <paramref name="row"/> sees before the key mask, keys 0 .. count − 1: <see cref="Lkv"/>, or
    /// <c>row + Lkv − Lq + 1</c> when causal.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="row"/> is not a query row, 0 .. Lq − 1.</exception>
    public int VisibleKeys(int row)
    {
        if ((uint)row >= (uint)Lq)
        {
            throw new ArgumentOutOfRangeException(nameof(row), row, $"A query row is 0 .. {Lq - 1} (Lq = {Lq}).");
        }

        return ShapeRules.VisibleKeys(row, Lq, Lkv, Causal);
    }

    /// <inheritdoc/>
    public bool Equals(CrossAttentionShape? other) =>
        other is not null && Lq == other.Lq && Lkv == other.Lkv && D == other.D && Heads == other.Heads
        && KvDim == other.KvDim && Scale.Equals(other.Scale) && KvHeads == other.KvHeads && Causal == other.Causal;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CrossAttentionShape);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Lq, Lkv, D, Heads, KvDim, Scale, KvHeads, Causal);

    /// <summary>Value equality.</summary>
    public static bool operator ==(CrossAttentionShape? left, CrossAttentionShape? right) =>
        left is null ? right is null : left.Equals(right);

    /// <summary>Value inequality.</summary>
    public static bool operator !=(CrossAttentionShape? left, CrossAttentionShape? right) => !(left == right);

    /// <summary>
    /// For example <c>Lq=4, Lkv=2, D=64, Heads=8 (head size 8), KvDim=64, Scale=0.35355338</c>, followed by
    /// <c>, KvHeads=2</c> and <c>, Causal</c> when they are set.
    /// </summary>
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"Lq={Lq}, Lkv={Lkv}, D={D}, Heads={Heads} (head size {HeadSize}), KvDim={KvDim}, Scale={Scale}")
        + (KvHeads != Heads ? string.Create(CultureInfo.InvariantCulture, $", KvHeads={KvHeads}") : "")
        + (Causal ? ", Causal" : "");
}
