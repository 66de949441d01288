namespace CrossAttention.Generator.Model;

/// <summary>
/// What the attribute asks for, as written: the raw sizes (KvDim and Scale 0 meaning "default") and where the class
/// is. Produced by the parser only for valid uses; value-equatable so unrelated edits leave it cached.
/// </summary>
internal sealed record KernelSpec(
    HierarchyInfo Hierarchy,
    LocationInfo? AttributeLocation,
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

/// <summary>The parser's result for one annotated class: a spec to generate from, or diagnostics saying why not.</summary>
internal sealed record ParseResult(KernelSpec? Spec, EquatableArray<DiagnosticInfo> Diagnostics);
