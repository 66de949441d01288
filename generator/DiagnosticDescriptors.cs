using Microsoft.CodeAnalysis;

namespace CrossAttention.Generator;

/// <summary>Every diagnostic the generator reports. IDs are stable: never renumber or reuse one.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "CrossAttention.Gen";

    /// <summary>
    /// Each diagnostic's help link: its row in the README's Diagnostics table (an anchor named after the ID, lower case).
    /// The repository is the one Directory.Build.props names; a test checks both, and that every anchor exists.
    /// </summary>
    internal const string HelpLinkBase = "https://github.com/crossattention-gen/CrossAttention.Gen/blob/main/README.md#";

    public static readonly DiagnosticDescriptor ClassNotPartial = new(
        "CXA0001", "Class must be partial",
        "'{0}' has [CrossAttention] but is not partial: declare it 'partial' so the generator can add Shape, KernelPath, Attend, Forward and ProjectContext",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0001");

    public static readonly DiagnosticDescriptor ContainingTypeNotPartial = new(
        "CXA0002", "Containing type must be partial",
        "'{0}' is nested in '{1}', which is not partial: declare every containing type 'partial' so the generator can add members to '{0}'",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0002");

    public static readonly DiagnosticDescriptor NonPositiveSize = new(
        "CXA0003", "Sizes must be positive",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0003");

    public static readonly DiagnosticDescriptor HeadsDoNotDivideD = new(
        "CXA0004", "Heads must divide D",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0004");

    public static readonly DiagnosticDescriptor InvalidKvDim = new(
        "CXA0005", "Invalid KvDim",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0005");

    public static readonly DiagnosticDescriptor InvalidScale = new(
        "CXA0006", "Invalid Scale",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0006");

    public static readonly DiagnosticDescriptor GenericType = new(
        "CXA0007", "Generic types are not supported",
        "'{0}' is generic or nested in a generic type: [CrossAttention] needs a non-generic class, because the kernel is registered by its closed type",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0007");

    public static readonly DiagnosticDescriptor ShapeTooLarge = new(
        "CXA0008", "Shape too large",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0008");

    public static readonly DiagnosticDescriptor FileLocalType = new(
        "CXA0009", "File-local types are not supported",
        "'{0}' is {1}: every part of a file-local type must be in one file, so the generator cannot add its members from a file of its own; remove the 'file' modifier",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0009");

    public static readonly DiagnosticDescriptor LanguageVersionTooOld = new(
        "CXA0010", "C# version too old",
        "[CrossAttention] on '{0}' needs C# {1} or newer (the generated code implements static abstract interface members and uses file-local types), and this project compiles C# {2}: set <LangVersion> to {1} or newer",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0010");

    public static readonly DiagnosticDescriptor MemberNameTaken = new(
        "CXA0011", "Generated member name already taken",
        "'{0}' {1}: [CrossAttention] adds the members Shape, KernelPath, Attend, Forward, ProjectContext and the nested type Kernel; rename '{2}' or annotate another class",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0011");

    public static readonly DiagnosticDescriptor DuplicateAttribute = new(
        "CXA0012", "[CrossAttention] applied more than once",
        "'{0}' has [CrossAttention] {1} times: a class gets the kernel of one shape; keep one attribute (on one of its declarations)",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0012");

    public static readonly DiagnosticDescriptor InvalidKvHeads = new(
        "CXA0013", "Invalid KvHeads",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0013");

    public static readonly DiagnosticDescriptor CausalWithMoreQueries = new(
        "CXA0014", "Causal needs Lq <= Lkv",
        "[CrossAttention] on '{0}': {1}",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0014");

    public static readonly DiagnosticDescriptor PartlyUnrolled = new(
        "CXA0100", "Kernel partly unrolled",
        "The kernel for '{0}' ({1}) is specialized but too large to unroll fully: {2}",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0100");

    public static readonly DiagnosticDescriptor GeneratedKernelAvailable = new(
        GeneratedKernelContract.DiagnosticId, "A generated kernel is available for this shape",
        "This shape is known at compile time, but {0}: [CrossAttention({1})] on a partial class generates a kernel specialized for it",
        Category, DiagnosticSeverity.Info, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa0101");

    public static readonly DiagnosticDescriptor InternalError = new(
        "CXA9999", "CrossAttention.Gen internal error",
        "The CrossAttention generator failed on '{0}' and generated nothing for it ({1}); please report this with the attribute that caused it",
        Category, DiagnosticSeverity.Error, isEnabledByDefault: true, helpLinkUri: HelpLinkBase + "cxa9999");
}
