using System;
using CrossAttention.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;

namespace CrossAttention.Generator;

/// <summary>
/// Turns every <c>[CrossAttention(lq, lkv, d, heads)]</c> partial class into a shape-specialized kernel:
/// attribute → <see cref="KernelSpec"/> (parser) → <see cref="KernelPlan"/> (planner) → one <c>.g.cs</c> (emitter).
/// Diagnostics travel in a branch of their own and are the only values holding source locations, so reporting one, or
/// moving the class, never invalidates cached source.
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
            .Where(static result => result.Plan is not null)
            .Select(static (result, _) => result.Plan!)
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
            // The plan holds no location (so that it caches across edits); the message names the class instead.
            production.ReportDiagnostic(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, null,
                plan.Spec.Hierarchy.GlobalName.Substring("global::".Length), $"{exception.GetType().Name}: {exception.Message}").ToDiagnostic());
            return;
        }

        production.AddSource(plan.Spec.Hierarchy.HintName, SourceText.From(source, System.Text.Encoding.UTF8));
    }
}
