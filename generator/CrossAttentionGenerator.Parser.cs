using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Threading;
using CrossAttention.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    /// <summary>
    /// Reads one annotated class into a <see cref="KernelSpec"/>, or reports the diagnostics that say why it cannot have
    /// one. Anything the compiler already reports as an error (a malformed attribute, a missing name) generates nothing
    /// and adds nothing: the user fixes that error first.
    /// </summary>
    internal static class Parser
    {
        /// <summary>The C# version the generated code needs: it implements static abstract interface members and
        /// declares <c>file</c>-local types.</summary>
        public const LanguageVersion MinimumLanguageVersion = LanguageVersion.CSharp11;

        /// <summary>The names the generator adds to an annotated class (SPEC §4).</summary>
        public static readonly ImmutableArray<string> GeneratedMemberNames =
            ImmutableArray.Create("Shape", "KernelPath", "Attend", "Forward", "ProjectContext", "Kernel");

        /// <summary>Whether the attribute's target can get a kernel at all (the compiler rejects the attribute elsewhere).</summary>
        public static bool IsCandidate(SyntaxNode node) =>
            node is ClassDeclarationSyntax
            || node is RecordDeclarationSyntax record && !record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword);

        public static ParseResult Parse(GeneratorAttributeSyntaxContext context, CancellationToken cancellationToken)
        {
            var declaration = (TypeDeclarationSyntax)context.TargetNode;
            try
            {
                return ParseCore(context, declaration, cancellationToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                SyntaxNode? at = context.Attributes.Length > 0 ? context.Attributes[0].ApplicationSyntaxReference?.GetSyntax(cancellationToken) : null;
                return new ParseResult(null, null, Diagnostics(DiagnosticInfo.Create(
                    DiagnosticDescriptors.InternalError, LocationInfo.From(at) ?? LocationInfo.From(declaration.Identifier),
                    declaration.Identifier.ValueText, Describe(exception))));
            }
        }

        /// <summary>An exception in a diagnostic's words: its type and its message without a closing period.</summary>
        public static string Describe(Exception exception) => $"{exception.GetType().Name}: {exception.Message.TrimEnd('.', ' ')}";

        private static ParseResult ParseCore(GeneratorAttributeSyntaxContext context, TypeDeclarationSyntax declaration,
                                             CancellationToken cancellationToken)
        {
            if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.Length == 0 || !IsNamed(type))
            {
                return Nothing;
            }

            AttributeData attribute = context.Attributes[0];
            string name = type.Name;
            LocationInfo? attributeLocation = LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken));
            LocationInfo? typeLocation = LocationInfo.From(declaration.Identifier);
            LocationInfo? at = attributeLocation ?? typeLocation;

            // The compiler already reports malformed attribute arguments (CS1503, CS7036, ...): nothing to add to them.
            if (attribute.ConstructorArguments.Length != 4 || HasErrors(attribute))
            {
                return Nothing;
            }

            int applications = CountApplications(type, attribute.AttributeClass);
            if (applications > 1)
            {
                return Failed(DiagnosticInfo.Create(DiagnosticDescriptors.DuplicateAttribute, at, name,
                                                    applications.ToString(CultureInfo.InvariantCulture)));
            }

            var diagnostics = new List<DiagnosticInfo>();
            if (!declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ClassNotPartial, typeLocation, name));
            }

            for (SyntaxNode? parent = declaration.Parent; parent is TypeDeclarationSyntax outer; parent = outer.Parent)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (!outer.Modifiers.Any(SyntaxKind.PartialKeyword))
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ContainingTypeNotPartial, typeLocation,
                                                          name, outer.Identifier.ValueText));
                }
            }

            var containing = new List<TypeDeclarationInfo>();
            for (INamedTypeSymbol? t = type.ContainingType; t is not null; t = t.ContainingType)
            {
                containing.Insert(0, Describe(t));
            }

            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (t.TypeParameters.Length > 0)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.GenericType, typeLocation, name));
                    break;
                }
            }

            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (t.IsFileLocal)
                {
                    diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.FileLocalType, typeLocation, name,
                        SymbolEqualityComparer.Default.Equals(t, type) ? "a file-local type" : $"nested in the file-local type '{t.Name}'"));
                    break;
                }
            }

            LanguageVersion languageVersion = declaration.SyntaxTree.Options is CSharpParseOptions options
                ? options.LanguageVersion
                : MinimumLanguageVersion;
            if (languageVersion < MinimumLanguageVersion)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.LanguageVersionTooOld, at, name,
                                                      MinimumLanguageVersion.ToDisplayString(), languageVersion.ToDisplayString()));
            }

            if (FindTakenName(type, cancellationToken) is { } taken)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.MemberNameTaken, typeLocation, name, taken.Where, taken.Name));
            }

            if (ReadShape(attribute) is not { } shape)
            {
                return Nothing;
            }

            (int lq, int lkv, int d, int heads, int kvDim, float scale, int kvHeads, bool causal) = shape;
            ShapeError error = ShapeRules.Validate(lq, lkv, d, heads, kvDim, scale, kvHeads, causal, out _, out string message);
            if (error != ShapeError.None)
            {
                DiagnosticDescriptor descriptor = error switch
                {
                    ShapeError.NonPositiveSize => DiagnosticDescriptors.NonPositiveSize,
                    ShapeError.HeadsDoNotDivideD => DiagnosticDescriptors.HeadsDoNotDivideD,
                    ShapeError.InvalidKvDim => DiagnosticDescriptors.InvalidKvDim,
                    ShapeError.InvalidScale => DiagnosticDescriptors.InvalidScale,
                    ShapeError.InvalidKvHeads => DiagnosticDescriptors.InvalidKvHeads,
                    ShapeError.CausalWithMoreQueries => DiagnosticDescriptors.CausalWithMoreQueries,
                    _ => DiagnosticDescriptors.ShapeTooLarge,
                };
                diagnostics.Add(DiagnosticInfo.Create(descriptor, at, name, message));
            }
            else if (KernelPlanner.CheckGeneratable(lkv, lq, causal) is { } tooLarge)
            {
                diagnostics.Add(DiagnosticInfo.Create(DiagnosticDescriptors.ShapeTooLarge, at, name, tooLarge));
            }

            if (diagnostics.Count > 0)
            {
                return new ParseResult(null, null, new EquatableArray<DiagnosticInfo>(diagnostics.ToImmutableArray()));
            }

            var namespaces = new List<string>();
            for (INamespaceSymbol? n = type.ContainingNamespace; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
            {
                namespaces.Insert(0, n.Name);
            }

            var hierarchy = new HierarchyInfo(new EquatableArray<string>(namespaces.ToImmutableArray()),
                                              new EquatableArray<TypeDeclarationInfo>(containing.ToImmutableArray()), Describe(type));
            return new ParseResult(new KernelSpec(hierarchy, lq, lkv, d, heads, kvDim, scale, kvHeads, causal), at, EquatableArray<DiagnosticInfo>.Empty);
        }

        private static readonly ParseResult Nothing = new(null, null, EquatableArray<DiagnosticInfo>.Empty);

        private static ParseResult Failed(DiagnosticInfo diagnostic) => new(null, null, Diagnostics(diagnostic));

        private static EquatableArray<DiagnosticInfo> Diagnostics(DiagnosticInfo diagnostic) =>
            new(ImmutableArray.Create(diagnostic));

        /// <summary>
        /// False when the type or a namespace or type around it has no name (a syntax error the compiler reports): there
        /// is no class to generate into.
        /// </summary>
        private static bool IsNamed(INamedTypeSymbol type)
        {
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
            {
                if (string.IsNullOrEmpty(t.Name) || t.IsImplicitlyDeclared)
                {
                    return false;
                }
            }

            for (INamespaceSymbol? n = type.ContainingNamespace; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
            {
                if (string.IsNullOrEmpty(n.Name))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>How many times the attribute is applied to the class, over all its partial declarations.</summary>
        private static int CountApplications(INamedTypeSymbol type, INamedTypeSymbol? attributeClass)
        {
            int count = 0;
            foreach (AttributeData data in type.GetAttributes())
            {
                if (SymbolEqualityComparer.Default.Equals(data.AttributeClass, attributeClass))
                {
                    count++;
                }
            }

            return count;
        }

        /// <summary>
        /// The first generated name the class already uses: as its own name (a member cannot share its class's name),
        /// as one of its members or nested types, or inherited from a base class (the generated member would hide it).
        /// </summary>
        private static (string Name, string Where)? FindTakenName(INamedTypeSymbol type, CancellationToken cancellationToken)
        {
            foreach (string name in GeneratedMemberNames)
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (type.Name == name)
                {
                    return (name, $"is itself named '{name}', and a member cannot have the name of its class");
                }

                if (type.GetMembers(name).Length > 0)
                {
                    return (name, $"already declares a member named '{name}'");
                }

                for (INamedTypeSymbol? baseType = type.BaseType; baseType is not null; baseType = baseType.BaseType)
                {
                    foreach (ISymbol member in baseType.GetMembers(name))
                    {
                        if (IsInherited(member, type))
                        {
                            return (name, $"inherits a member named '{name}' from '{baseType.ToDisplayString()}', which the generated one would hide");
                        }
                    }
                }
            }

            return null;
        }

        /// <summary>Whether a base class's member is visible in the derived class (so a same-named member hides it).</summary>
        private static bool IsInherited(ISymbol member, INamedTypeSymbol derived) => member.DeclaredAccessibility switch
        {
            Accessibility.Private => false,
            Accessibility.Internal or Accessibility.ProtectedAndInternal =>
                SymbolEqualityComparer.Default.Equals(member.ContainingAssembly, derived.ContainingAssembly)
                || member.ContainingAssembly.GivesAccessTo(derived.ContainingAssembly),
            _ => true,
        };

        /// <summary>
        /// The arguments of a <c>[CrossAttention]</c> attribute as written (0 for an optional one left out), or null when
        /// its four sizes are not <c>int</c> constants. Not validated. The analyzer reads attributes through this too.
        /// </summary>
        internal static AttributeShape? ReadShape(AttributeData attribute)
        {
            ImmutableArray<TypedConstant> sizes = attribute.ConstructorArguments;
            if (sizes.Length != 4 || sizes[0].Value is not int lq || sizes[1].Value is not int lkv
                || sizes[2].Value is not int d || sizes[3].Value is not int heads)
            {
                return null;
            }

            int kvDim = 0, kvHeads = 0;
            float scale = 0f;
            bool causal = false;
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
                    case "KvHeads" when argument.Value.Value is int value:
                        kvHeads = value;
                        break;
                    case "Causal" when argument.Value.Value is bool value:
                        causal = value;
                        break;
                }
            }

            return new AttributeShape(lq, lkv, d, heads, kvDim, scale, kvHeads, causal);
        }

        /// <summary>A <c>[CrossAttention]</c> attribute's arguments (<see cref="ReadShape"/>).</summary>
        internal readonly record struct AttributeShape(int Lq, int Lkv, int D, int Heads, int KvDim, float Scale, int KvHeads, bool Causal);

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

        /// <summary>The declaration the generated part repeats: its kind (<c>class</c>, <c>record struct</c>, ...) and name.</summary>
        private static TypeDeclarationInfo Describe(INamedTypeSymbol type)
        {
            string keyword = type switch
            {
                { IsRecord: true, TypeKind: TypeKind.Struct } => "record struct",
                { IsRecord: true } => "record",
                { TypeKind: TypeKind.Struct } => "struct",
                { TypeKind: TypeKind.Interface } => "interface",
                _ => "class",
            };
            return new TypeDeclarationInfo(keyword, type.Name, type.IsStatic);
        }
    }
}
