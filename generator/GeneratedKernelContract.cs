namespace CrossAttention.Generator;

/// <summary>
/// What CXA0101 tells its code fix: the diagnostic's ID and the properties it carries. Compiled into the generator (the
/// analyzer) and into CrossAttention.CodeFixes (the fix), so the two cannot disagree.
/// </summary>
internal static class GeneratedKernelContract
{
    public const string DiagnosticId = "CXA0101";

    /// <summary>The diagnostic property holding the attribute's arguments, e.g. <c>4, 2, 64, 8, KvHeads = 2</c>.</summary>
    public const string AttributeArgumentsProperty = "AttributeArguments";

    /// <summary>The diagnostic property holding a name for the class, e.g. <c>Attention4x2x64x8</c>.</summary>
    public const string ClassNameProperty = "ClassName";

    /// <summary>The diagnostic property saying which use was found: <see cref="GenericUse"/> or <see cref="ResolveUse"/>.</summary>
    public const string UseProperty = "Use";

    /// <summary><c>new GenericCrossAttention(new CrossAttentionShape(…))</c>.</summary>
    public const string GenericUse = "Generic";

    /// <summary><c>CrossAttentionKernels.Resolve(new CrossAttentionShape(…))</c>.</summary>
    public const string ResolveUse = "Resolve";
}
