using Microsoft.CodeAnalysis;

namespace CrossAttention.Generator;

/// <summary>Every diagnostic the generator reports. IDs are stable: never renumber or reuse one.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "CrossAttention.Gen";

    public static readonly DiagnosticDescriptor ClassNotPartial = new(
        "CXA0001", "Class must be partial",
        "'{0}' has [CrossAttention] but is not partial: declare it 'partial' so the generator can add Shape, Path and Attend",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        "CXA0002", "Containing type must be partial",
        "'{0}' is nested in '{1}', which is not partial: declare every containing type 'partial' so the generator can add members to '{0}'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor NonPositiveSize = new(
        "CXA0003", "Sizes must be positive",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor HeadsDoNotDivideD = new(
        "CXA0004", "Heads must divide D",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidKvDim = new(
        "CXA0005", "Invalid KvDim",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InvalidScale = new(
        "CXA0006", "Invalid Scale",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor GenericType = new(
        "CXA0007", "Generic types are not supported",
        "'{0}' is generic or nested in a generic type: [CrossAttention] needs a non-generic class, because the kernel is registered by its closed type",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ShapeTooLarge = new(
        "CXA0008", "Shape too large",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor PartlyUnrolled = new(
        "CXA0100", "Kernel partly unrolled",
        "The kernel for '{0}' ({1}) is specialized but too large to unroll fully: {2}",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor InternalError = new(
        "CXA9999", "CrossAttention.Gen internal error",
        "The CrossAttention generator failed on '{0}' and generated nothing for it: {1}. Please report this with the attribute that caused it.",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true);
}
