using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Threading;
using CrossAttention.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    /// <summary>
    /// Reads one annotated class into a <see cref="KernelSpec"/> and plans it (<see cref="KernelPlanner"/>), or reports
    /// the diagnostics that say why not.
    /// </summary>
    internal static class Parser
    {
        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            string name = declaration.Identifier.ValueText;
            try
            {
                return ParseCore(context, declaration, name, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.InternalError, LocationInfo.From(declaration.Identifier.Parent),
                                                    name, $"{exception.GetType().Name}: {exception.Message}"));
            }
        }

        private static ParseResult ParseCore(GeneratorAttributeSyntaxContext context, TypeDeclarationSyntax declaration,
                                             string name, CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.Length != 1)
            {
                return Nothing;
            }

            AttributeData attribute = context.Attributes[0];
            LocationInfo? attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
            LocationInfo? typeLocation = new LocationInfo(
                declaration.SyntaxTree.FilePath, declaration.Identifier.Span, declaration.Identifier.GetLocation().GetLineSpan().Span);

            // The compiler already reports malformed attribute arguments; there is nothing to generate from them.
            if (attribute.ConstructorArguments.Length != 4 || HasErrors(attribute))
            {
                return Nothing;
            }

            var diagnostics = new List<DiagnosticInfo>();
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, typeLocation, name));
            }

            var containing = new List<TypeDeclarationInfo>();
            for (SyntaxNode? parent = declaration.Parent; parent is TypeDeclarationSyntax outer; parent = outer.Parent)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, typeLocation,
                                                          name, outer.Identifier.ValueText));
                }

                containing.Insert(0, Describe(outer));
            }

            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (t.TypeParameters.Length > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericType, typeLocation, name));
                    break;
                }
            }

            int lq = (int)attribute.ConstructorArguments[0].Value!;
            int lkv = (int)attribute.ConstructorArguments[1].Value!;
            int d = (int)attribute.ConstructorArguments[2].Value!;
            int heads = (int)attribute.ConstructorArguments[3].Value!;
            int kvDim = 0;
            float scale = 0f;
            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                switch (argument.Key)
                {
                    case "KvDim" when argument.Value.Value is int value:
                        kvDim = value;
                        break;
                    case "Scale" when argument.Value.Value is float value:
                        scale = value;
                        break;
                }
            }

            ShapeError error = ShapeRules.Validate(lq, lkv, d, heads, kvDim, scale, out _, out string message);
            if (error != ShapeError.None)
            {
                DiagnosticDescriptor descriptor = error switch
                {
                    ShapeError.NonPositiveSize => DiagnosticDescriptors.NonPositiveSize,
                    ShapeError.HeadsDoNotDivideD => DiagnosticDescriptors.HeadsDoNotDivideD,
                    ShapeError.InvalidKvDim => DiagnosticDescriptors.InvalidKvDim,
                    ShapeError.InvalidScale => DiagnosticDescriptors.InvalidScale,
                    _ => DiagnosticDescriptors.ShapeTooLarge,
                };
                diagnostics.Add(DiagnosticInfo.Create(descriptor, attributeLocation ?? typeLocation, name, message));
            }

            if (diagnostics.Count > 0)
            {
                return new ParseResult(null, new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutableArray()));
            }

            string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n
                ? n.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat).Replace("global::", "")
                : "";
            var hierarchy = new HierarchyInfo(ns, new EquatableArray<TypeDeclarationInfo>(containing.ToImmutableArray()), Describe(declaration));
            KernelPlan plan = KernelPlanner.Plan(new KernelSpec(hierarchy, lq, lkv, d, heads, kvDim, scale));
            if (plan.Info is not null)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.PartlyUnrolled, attributeLocation ?? typeLocation,
                                                      name, Emitter.ShapeText(plan.Spec), plan.Info));
            }

            return new ParseResult(plan, new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutableArray()));
        }

        private static readonly ParseResult Nothing = new(null, EquatableArray<DiagnosticInfo>.Empty);

        private static ParseResult Failed(DiagnosticInfo diagnostic) =>
            new(null, new EquatableArray<DiagnosticInfo>(ImmutableArray.Create(diagnostic)));

        private static bool HasErrors(AttributeData attribute)
        {
            foreach (TypedConstant argument in attribute.ConstructorArguments)
            {
                if (argument.Kind == TypedConstantKind.Error || argument.Value is not int)
                {
                    return true;
                }
            }

            foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
            {
                if (argument.Value.Kind == TypedConstantKind.Error)
                {
                    return true;
                }
            }

            return false;
        }

        private static TypeDeclarationInfo Describe(TypeDeclarationSyntax declaration)
        {
            string keyword = declaration switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                _ => declaration.Keyword.ValueText,
            };
            return new TypeDeclarationInfo(keyword, declaration.Identifier.ValueText, declaration.Modifiers.Any(SyntaxKind.StaticKeyword));
        }
    }
}
