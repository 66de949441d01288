namespace CrossAttention.Generator.Model;

/// <summary>
/// What the attribute asks for, as written (KvDim and Scale 0 meaning "default"), and where the class lives. Holds no
/// source location: value-equal across edits that do not change the class's name, place or shape.
/// </summary>
internal sealed record KernelSpec(
    HierarchyInfo Hierarchy,
    int Lq,
    int Lkv,
    int D,
    int Heads,
    int KvDim,
    float Scale)
{
    public int HeadSize => ShapeRules.HeadSize(D, Heads);

    public int ResolvedKvDim => ShapeRules.ResolveKvDim(D, KvDim);

    public float ResolvedScale => ShapeRules.ResolveScale(HeadSize, Scale);
}

/// <summary>
/// The parser's result for one annotated class: the plan to generate from (null when the use is invalid) and the
/// diagnostics to report. Only the diagnostics hold source locations, so an edit that merely moves the class (a comment
/// above it) leaves the plan equal and the generated source cached.
/// </summary>
internal sealed record ParseResult(KernelPlan? Plan, EquatableArray<DiagnosticInfo> Diagnostics);
