using System;
using System.Collections.Immutable;
using CrossAttention.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace CrossAttention.Generator;

/// <summary>
/// Turns every <c>[CrossAttention(lq, lkv, d, heads)]</c> partial class into a shape-specialized kernel:
/// attribute → <see cref="KernelSpec"/> (parser) → <see cref="ShapePlan"/> (planner: a <see cref="KernelPlan"/> per vector width) → one <c>.g.cs</c> (emitter).
/// Diagnostics travel in a branch of their own and are the only values that change when a class merely moves, so
/// reporting one, or moving the class, never invalidates cached source. Nothing thrown inside reaches the compiler
/// (which would drop every class's code): a failure becomes a CXA9999 error at the attribute.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed partial class CrossAttentionGenerator : IIncrementalGenerator
{
    internal const string AttributeMetadataName = "CrossAttention.CrossAttentionAttribute";

    /// <summary>The names of the pipeline steps, for incremental-caching tests.</summary>
    internal static class TrackingNames
    {
        public const string Parse = nameof(Parse);
        public const string Diagnostics = nameof(Diagnostics);
        public const string FileNames = nameof(FileNames);
        public const string Plans = nameof(Plans);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                static (node, _) => Parser.IsCandidate(node),
                static (attributeContext, cancellationToken) => Parser.Parse(attributeContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Select(static (result, _) => AllDiagnostics(result))
            .Where(static diagnostics => diagnostics.Count > 0)
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, static (production, diagnostics) =>
        {
            foreach (DiagnosticInfo diagnostic in diagnostics)
            {
                production.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        // File names compare ignoring case: the few classes whose names differ from another's only in case get a tag
        // that tells them apart. Only the names are collected, so a change elsewhere re-runs no class's emission.
        IncrementalValueProvider<ImmutableArray<string>> fileNames = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!.Hierarchy.FileName)
            .Collect()
            .WithTrackingName(TrackingNames.FileNames);

        IncrementalValuesProvider<PlanRequest> plans = parsed
            .Select(static (result, _) => TryPlan(result))
            .Where(static request => request is not null)
            .Combine(fileNames)
            .Select(static (pair, _) => Name(pair.Left!, pair.Right))
            .Where(static request => request is not null)
            .Select(static (request, _) => request!)
            .WithTrackingName(TrackingNames.Plans);

        context.RegisterSourceOutput(plans, static (production, request) => Emit(production, request));
    }

    /// <summary>The parser's diagnostics, and the Info the plan gives (planning is cheap, so it is done again here).</summary>
    private static EquatableArray<DiagnosticInfo> AllDiagnostics(ParseResult result)
    {
        if (result.Spec is null)
        {
            return result.Diagnostics;
        }

        try
        {
            ShapePlan plan = KernelPlanner.Plan(result.Spec);
            return plan.Info is null
                ? result.Diagnostics
                : new EquatableArray<DiagnosticInfo>(ImmutableArray.Create(DiagnosticInfo.Create(
                    DiagnosticDescriptors.PartlyUnrolled, result.Location, result.Spec.Hierarchy.DisplayName, Emitter.ShapeText(result.Spec), plan.Info)));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return new EquatableArray<DiagnosticInfo>(ImmutableArray.Create(DiagnosticInfo.Create(
                DiagnosticDescriptors.InternalError, result.Location, result.Spec.Hierarchy.DisplayName, Parser.Describe(exception))));
        }
    }

    /// <summary>
    /// The request with its file's name: tagged when another class's name equals this one's ignoring case; null when
    /// another class has exactly this name — two types the compiler could not merge into one (CS0101, CS0261), whose
    /// error the user fixes first, and which could never share a file name.
    /// </summary>
    private static PlanRequest? Name(PlanRequest request, ImmutableArray<string> fileNames)
    {
        string fileName = request.Plan.Spec.Hierarchy.FileName;
        int same = 0;
        bool caseTwin = false;
        foreach (string other in fileNames)
        {
            same += string.Equals(other, fileName, StringComparison.Ordinal) ? 1 : 0;
            caseTwin |= string.Equals(other, fileName, StringComparison.OrdinalIgnoreCase) && !string.Equals(other, fileName, StringComparison.Ordinal);
        }

        return same > 1 ? null : request.WithHintName(request.Plan.Spec.Hierarchy.HintName(caseTwin));
    }

    /// <summary>The plan of a valid spec; null for an invalid one, or if planning fails (the diagnostics branch reports that).</summary>
    private static PlanRequest? TryPlan(ParseResult result)
    {
        try
        {
            return result.Spec is null ? null : new PlanRequest(KernelPlanner.Plan(result.Spec), "", result.Location);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return null;
        }
    }

    private static void Emit(SourceProductionContext production, PlanRequest request)
    {
        ShapePlan plan = request.Plan;
        try
        {
            string source = Emitter.Emit(plan, production.CancellationToken);
            production.AddSource(request.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            production.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, request.Location,
                plan.Spec.Hierarchy.DisplayName, Parser.Describe(exception)).ToDiagnostic());
        }
    }
}
