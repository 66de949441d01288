namespace CrossAttention.Generator.Model;

/// <summary>
/// What the attribute asks for, as written (KvDim, Scale and KvHeads 0 meaning "default"), and where the class lives. Holds no
/// source location: value-equal across edits that do not change the class's name, place or shape.
/// </summary>
internal sealed record KernelSpec(
    HierarchyInfo Hierarchy,
    int Lq,
    int Lkv,
    int D,
    int Heads,
    int KvDim,
    float Scale,
    int KvHeads,
    bool Causal)
{
    public int HeadSize => ShapeRules.HeadSize(D, Heads);

    public int ResolvedKvDim => ShapeRules.ResolveKvDim(D, KvDim);

    public float ResolvedScale => ShapeRules.ResolveScale(HeadSize, Scale);

    public int ResolvedKvHeads => ShapeRules.ResolveKvHeads(Heads, KvHeads);

    /// <summary>Columns of a projected key or value row: KvHeads · HeadSize.</summary>
    public int KvWidth => ResolvedKvHeads * HeadSize;

    /// <summary>Query heads per key/value head.</summary>
    public int GroupSize => Heads / ResolvedKvHeads;

    /// <summary>The keys query row <paramref name="row"/> sees before the key mask.</summary>
    public int VisibleKeys(int row) => ShapeRules.VisibleKeys(row, Lq, Lkv, Causal);
}

/// <summary>
/// The parser's result for one annotated class: the spec to plan and generate from (null when the use is invalid), where
/// its attribute is (for diagnostics that only planning or emitting can find), and the diagnostics to report. A class
/// that moves (a comment above it) changes only the location: the steps after this one compare equal and stay cached.
/// </summary>
internal sealed record ParseResult(KernelSpec? Spec, LocationInfo? Location, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>
/// A plan, the name of the file it is emitted to, and where its attribute was when it was planned. Equality leaves the
/// location out, so moving a class leaves the generated source cached; the location is only read if emitting fails
/// (CXA9999, an internal error), which then points at the attribute as it was when this plan was made.
/// </summary>
internal sealed class PlanRequest : System.IEquatable<PlanRequest>
{
    public PlanRequest(ShapePlan plan, string hintName, LocationInfo? location)
    {
        Plan = plan;
        HintName = hintName;
        Location = location;
    }

    public ShapePlan Plan { get; }

    public string HintName { get; }

    public LocationInfo? Location { get; }

    public PlanRequest WithHintName(string hintName) => new(Plan, hintName, Location);

    public bool Equals(PlanRequest? other) => other is not null && Plan.Equals(other.Plan) && HintName == other.HintName;

    public override bool Equals(object? obj) => Equals(obj as PlanRequest);

    public override int GetHashCode() => (Plan.GetHashCode() * 31) + System.StringComparer.Ordinal.GetHashCode(HintName);
}
