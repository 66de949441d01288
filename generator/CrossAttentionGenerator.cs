using System;
using CrossAttention.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CrossAttention.Generator;

/// <summary>
/// Turns every <c>[CrossAttention(lq, lkv, d, heads)]</c> partial class into a shape-specialized kernel:
/// attribute → <see cref="KernelSpec"/> (parser) → <see cref="KernelPlan"/> (planner) → one <c>.g.cs</c> (emitter).
/// Diagnostics travel in a branch of their own, so reporting one never invalidates cached source.
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
        public const string Specs = nameof(Specs);
        public const string Plans = nameof(Plans);
    }

    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValuesProvider<ParseResult> parsed = context.SyntaxProvider
            .ForAttributeWithMetadataName(
                AttributeMetadataName,
                static (node, _) => node is ClassDeclarationSyntax or RecordDeclarationSyntax,
                static (attributeContext, cancellationToken) => Parser.Parse(attributeContext, cancellationToken))
            .WithTrackingName(TrackingNames.Parse);

        IncrementalValuesProvider<EquatableArray<DiagnosticInfo>> diagnostics = parsed
            .Select(static (result, _) => result.Diagnostics)
            .Where(static diagnostics => diagnostics.Count > 0)
            .WithTrackingName(TrackingNames.Diagnostics);

        context.RegisterSourceOutput(diagnostics, static (production, diagnostics) =>
        {
            foreach (DiagnosticInfo diagnostic in diagnostics)
            {
                production.ReportDiagnostic(diagnostic.ToDiagnostic());
            }
        });

        IncrementalValuesProvider<KernelPlan> plans = parsed
            .Where(static result => result.Spec is not null)
            .Select(static (result, _) => result.Spec!)
            .WithTrackingName(TrackingNames.Specs)
            .Select(static (spec, _) => KernelPlanner.Plan(spec))
            .WithTrackingName(TrackingNames.Plans);

        context.RegisterSourceOutput(plans, static (production, plan) => Emit(production, plan));
    }

    private static void Emit(SourceProductionContext production, KernelPlan plan)
    {
        string source;
        try
        {
            source = Emitter.Emit(plan, production.CancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            production.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, plan.Spec.AttributeLocation,
                plan.Spec.Hierarchy.Type.Name, $"{exception.GetType().Name}: {exception.Message}").ToDiagnostic());
            return;
        }

        production.AddSource(plan.Spec.Hierarchy.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
        if (plan.Info is not null)
        {
            production.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.PartlyUnrolled, plan.Spec.AttributeLocation,
                plan.Spec.Hierarchy.Type.Name, Emitter.ShapeText(plan.Spec), plan.Info).ToDiagnostic());
        }
    }
}
