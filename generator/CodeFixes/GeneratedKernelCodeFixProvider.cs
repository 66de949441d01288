using System.Collections.Immutable;
using System.Composition;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using Microsoft.CodeAnalysis.Simplification;
using CrossAttention.Generator;

namespace CrossAttention.CodeFixes;

/// <summary>
/// The fix for CXA0101: declares <c>[CrossAttention(…)] internal static partial class AttentionLqxLkvxDxHeads</c> (the
/// shape's arguments and the name come with the diagnostic) next to the type that uses it — or at the end of a file of
/// top-level statements — and rewrites the use to the generated class's kernel: <c>new GenericCrossAttention(shape)</c>
/// becomes <c>CrossAttentionKernels.Resolve(Class.Shape)</c> (which returns the generated kernel where the CPU runs one
/// of its tiers), and <c>Resolve(new CrossAttentionShape(…))</c> becomes <c>Resolve(Class.Shape)</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(GeneratedKernelCodeFixProvider)), Shared]
public sealed class GeneratedKernelCodeFixProvider : CodeFixProvider
{
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(GeneratedKernelContract.DiagnosticId);

    public override FixAllProvider? GetFixAllProvider() => null; // each fix names a class of its own

    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || model is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(GeneratedKernelContract.AttributeArgumentsProperty, out string? arguments) || arguments is null
                || !diagnostic.Properties.TryGetValue(GeneratedKernelContract.ClassNameProperty, out string? className) || className is null
                || !diagnostic.Properties.TryGetValue(GeneratedKernelContract.UseProperty, out string? use) || use is null)
            {
                continue;
            }

            SyntaxNode found = root.FindNode(diagnostic.Location.SourceSpan);
            ExpressionSyntax? expression = use == GeneratedKernelContract.GenericUse
                ? found.AncestorsAndSelf().OfType<BaseObjectCreationExpressionSyntax>().FirstOrDefault()
                : found.AncestorsAndSelf().OfType<InvocationExpressionSyntax>().FirstOrDefault();
            if (expression is null || !CanRewrite(model, expression, use, context.CancellationToken))
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    $"Generate a kernel for this shape: [CrossAttention({arguments})]",
                    cancellationToken => FixAsync(context.Document, expression, use, arguments, className, cancellationToken),
                    equivalenceKey: GeneratedKernelContract.DiagnosticId),
                diagnostic);
        }
    }

    /// <summary>
    /// A <c>new GenericCrossAttention(…)</c> becomes an <c>ICrossAttention</c>: that compiles where the value initializes
    /// a local (a <c>var</c> is inferred anew, an explicit type is changed) or is used as an <c>ICrossAttention</c> or
    /// <c>object</c>; a field, property or parameter of type <c>GenericCrossAttention</c> keeps the diagnostic without a fix.
    /// </summary>
    private static bool CanRewrite(SemanticModel model, ExpressionSyntax expression, string use, CancellationToken cancellationToken)
    {
        if (use != GeneratedKernelContract.GenericUse)
        {
            return ((InvocationExpressionSyntax)expression).ArgumentList.Arguments.Count == 1;
        }

        if (expression.Parent is EqualsValueClauseSyntax { Parent: VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax declaration } })
        {
            return declaration.Parent is LocalDeclarationStatementSyntax && declaration.Variables.Count == 1;
        }

        ITypeSymbol? target = model.GetTypeInfo(expression, cancellationToken).ConvertedType;
        return target is not null && target.Name != "GenericCrossAttention";
    }

    private static async Task<Document> FixAsync(Document document, ExpressionSyntax expression, string use, string arguments,
                                                 string className, CancellationToken cancellationToken)
    {
        SyntaxNode root = (await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false))!;
        SemanticModel model = (await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false))!;
        string name = UniqueName(model, expression.SpanStart, className);

        // The use, rewritten: Resolve(Class.Shape). The class goes in the namespace of the code using it, under a name
        // nothing in scope there takes, so its simple name binds to it; runtime types are qualified only where needed.
        int position = expression.SpanStart;
        string shapeOfClass = name + ".Shape";
        string resolve = RuntimeType(model, position, "CrossAttentionKernels") + ".Resolve";
        var replacements = new System.Collections.Generic.Dictionary<SyntaxNode, SyntaxNode>();
        if (use == GeneratedKernelContract.GenericUse)
        {
            replacements[expression] = SyntaxFactory.ParseExpression($"{resolve}({shapeOfClass})").WithTriviaFrom(expression);
            // A local declared as GenericCrossAttention is now an ICrossAttention.
            if (expression.Parent?.Parent?.Parent is VariableDeclarationSyntax { Type: { IsVar: false } type })
            {
                replacements[type] = SyntaxFactory.ParseTypeName(RuntimeType(model, position, "ICrossAttention")).WithTriviaFrom(type);
            }
        }
        else
        {
            ArgumentSyntax argument = ((InvocationExpressionSyntax)expression).ArgumentList.Arguments[0];
            replacements[argument.Expression] = SyntaxFactory.ParseExpression(shapeOfClass).WithTriviaFrom(argument.Expression);
        }

        // The class, after the outermost type that holds the use (or at the end of a file of top-level statements).
        string newLine = (await document.GetTextAsync(cancellationToken).ConfigureAwait(false)).ToString().Contains("\r\n") ? "\r\n" : "\n";
        MemberDeclarationSyntax? anchor = expression.Ancestors().OfType<BaseTypeDeclarationSyntax>().LastOrDefault();
        SyntaxToken before = anchor?.GetLastToken() ?? root.GetLastToken(); // what the declaration follows: a blank line between
        bool endsLine = before.TrailingTrivia.Any(SyntaxKind.EndOfLineTrivia);
        ClassDeclarationSyntax declaration = Declaration(name, arguments, root.SyntaxTree.Options, newLine, endsLine ? 1 : 2);
        SyntaxNode rewritten = root.TrackNodes(replacements.Keys.Concat(anchor is null ? Enumerable.Empty<SyntaxNode>() : new[] { anchor }));
        foreach (var pair in replacements)
        {
            rewritten = rewritten.ReplaceNode(rewritten.GetCurrentNode(pair.Key)!, pair.Value);
        }

        if (anchor is not null)
        {
            rewritten = rewritten.InsertNodesAfter(rewritten.GetCurrentNode(anchor)!, new[] { declaration });
        }
        else
        {
            var unit = (CompilationUnitSyntax)rewritten;
            rewritten = unit.AddMembers(declaration);
        }

        return document.WithSyntaxRoot(rewritten);
    }

    /// <summary>
    /// <c>[CrossAttention(…)] internal static partial class Name;</c> (braces before C# 12), after a blank line; the
    /// attribute's name is left to the simplifier, which keeps what the file's usings need.
    /// </summary>
    private static ClassDeclarationSyntax Declaration(string name, string arguments, ParseOptions options, string newLine, int lineBreaks)
    {
        bool semicolonBody = ((CSharpParseOptions)options).LanguageVersion >= LanguageVersion.CSharp12;
        string text = $"[global::CrossAttention.CrossAttention({arguments})]{newLine}internal static partial class {name}{(semicolonBody ? ";" : $"{newLine}{{{newLine}}}")}{newLine}";
        var declaration = (ClassDeclarationSyntax)SyntaxFactory.ParseMemberDeclaration(text, options: options)!;
        return declaration.WithLeadingTrivia(Enumerable.Repeat(SyntaxFactory.EndOfLine(newLine), lineBreaks))
            .WithAdditionalAnnotations(Simplifier.Annotation, Formatter.Annotation);
    }

    /// <summary>The runtime's type <paramref name="name"/> as code at <paramref name="position"/> can name it.</summary>
    private static string RuntimeType(SemanticModel model, int position, string name)
    {
        ImmutableArray<ISymbol> found = model.LookupNamespacesAndTypes(position, name: name);
        return found.Length == 1 && found[0].ToDisplayString() == "CrossAttention." + name ? name : "global::CrossAttention." + name;
    }

    /// <summary><paramref name="name"/>, or with _2, _3, … appended while a type or namespace of that name is in scope.</summary>
    private static string UniqueName(SemanticModel model, int position, string name)
    {
        string candidate = name;
        for (int n = 2; !model.LookupNamespacesAndTypes(position, name: candidate).IsEmpty; n++)
        {
            candidate = name + "_" + n.ToString(CultureInfo.InvariantCulture);
        }

        return candidate;
    }
}
