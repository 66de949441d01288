using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace CrossAttention.Generator;

/// <summary>
/// Offers a generated kernel where code asks for a shape known at compile time at run time, as the Regex generator's
/// analyzer offers <c>[GeneratedRegex]</c>: <c>new GenericCrossAttention(new CrossAttentionShape(…))</c> or
/// <c>CrossAttentionKernels.Resolve(new CrossAttentionShape(…))</c> with constant arguments, a valid shape the
/// generator can specialize, and no <c>[CrossAttention]</c> class of that shape in the compilation (with one,
/// <c>Resolve</c> already finds it, and a <c>GenericCrossAttention</c> beside it is a deliberate comparison). Reports
/// CXA0101 (Info) at the expression; the diagnostic's properties carry the attribute's arguments and a class name for
/// the code fix (in CrossAttention.CodeFixes), which declares the class and rewrites the use.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class GeneratedKernelAnalyzer : DiagnosticAnalyzer
{
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(DiagnosticDescriptors.GeneratedKernelAvailable);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            Compilation compilation = start.Compilation;
            INamedTypeSymbol? shapeType = compilation.GetTypeByMetadataName("CrossAttention.CrossAttentionShape");
            INamedTypeSymbol? genericType = compilation.GetTypeByMetadataName("CrossAttention.GenericCrossAttention");
            INamedTypeSymbol? kernelsType = compilation.GetTypeByMetadataName("CrossAttention.CrossAttentionKernels");
            INamedTypeSymbol? attributeType = compilation.GetTypeByMetadataName(CrossAttentionGenerator.AttributeMetadataName);
            if (shapeType is null || genericType is null || kernelsType is null || attributeType is null)
            {
                return;
            }

            // The shapes [CrossAttention] classes declare, gathered once per compilation, and only if a use turns up.
            var declared = new Lazy<HashSet<ShapeArguments>>(() => DeclaredShapes(compilation, attributeType, start.CancellationToken),
                                                              LazyThreadSafetyMode.ExecutionAndPublication);

            start.RegisterOperationAction(operationContext =>
            {
                var creation = (IObjectCreationOperation)operationContext.Operation;
                if (SymbolEqualityComparer.Default.Equals(creation.Type, genericType)
                    && creation.Arguments.Length == 1
                    && ConstantShape(creation.Arguments[0].Value, shapeType) is { } shape)
                {
                    Report(operationContext, creation.Syntax, shape, GeneratedKernelContract.GenericUse, "new GenericCrossAttention(…) always runs the generic kernel", declared);
                }
            }, OperationKind.ObjectCreation);

            start.RegisterOperationAction(operationContext =>
            {
                var invocation = (IInvocationOperation)operationContext.Operation;
                if (invocation.TargetMethod.Name == "Resolve"
                    && SymbolEqualityComparer.Default.Equals(invocation.TargetMethod.ContainingType, kernelsType)
                    && invocation.Arguments.Length == 1
                    && ConstantShape(invocation.Arguments[0].Value, shapeType) is { } shape)
                {
                    Report(operationContext, invocation.Syntax, shape, GeneratedKernelContract.ResolveUse, "no class of this project or its references declares this shape, so Resolve returns the generic kernel", declared);
                }
            }, OperationKind.Invocation);
        });
    }

    private static void Report(OperationAnalysisContext context, SyntaxNode at, ShapeArguments shape, string use, string why,
                               Lazy<HashSet<ShapeArguments>> declared)
    {
        if (declared.Value.Contains(shape))
        {
            return;
        }

        string arguments = shape.AttributeArguments();
        ImmutableDictionary<string, string?> properties = ImmutableDictionary<string, string?>.Empty
            .Add(GeneratedKernelContract.AttributeArgumentsProperty, arguments)
            .Add(GeneratedKernelContract.ClassNameProperty, shape.ClassName())
            .Add(GeneratedKernelContract.UseProperty, use);
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.GeneratedKernelAvailable, at.GetLocation(), properties, why, arguments));
    }

    /// <summary>
    /// The shape <paramref name="value"/> creates, when it is <c>new CrossAttentionShape(…)</c> with every argument a
    /// compile-time constant, the shape valid and small enough to generate; otherwise null.
    /// </summary>
    private static ShapeArguments? ConstantShape(IOperation value, INamedTypeSymbol shapeType)
    {
        while (value is IConversionOperation { IsImplicit: true } conversion)
        {
            value = conversion.Operand;
        }

        if (value is not IObjectCreationOperation creation || !SymbolEqualityComparer.Default.Equals(creation.Type, shapeType)
            || creation.Initializer is not null)
        {
            return null;
        }

        int lq = 0, lkv = 0, d = 0, heads = 0, kvDim = 0, kvHeads = 0;
        float scale = 0f;
        bool causal = false;
        foreach (IArgumentOperation argument in creation.Arguments)
        {
            if (argument.Parameter is null || !argument.Value.ConstantValue.HasValue)
            {
                return null;
            }

            object? constant = argument.Value.ConstantValue.Value;
            switch (argument.Parameter.Name, constant)
            {
                case ("lq", int v): lq = v; break;
                case ("lkv", int v): lkv = v; break;
                case ("d", int v): d = v; break;
                case ("heads", int v): heads = v; break;
                case ("kvDim", int v): kvDim = v; break;
                case ("scale", float v): scale = v; break;
                case ("kvHeads", int v): kvHeads = v; break;
                case ("causal", bool v): causal = v; break;
                default: return null; // a constructor this analyzer does not know
            }
        }

        if (ShapeRules.Validate(lq, lkv, d, heads, kvDim, scale, kvHeads, causal, out _, out _) != ShapeError.None
            || KernelPlanner.CheckGeneratable(lkv, lq, causal) is not null)
        {
            return null;
        }

        return ShapeArguments.Normalized(lq, lkv, d, heads, kvDim, scale, kvHeads, causal);
    }

    /// <summary>
    /// The shapes of every <c>[CrossAttention]</c> class <c>Resolve</c> could find: in the compilation's source (nested
    /// ones included), and those visible in the referenced assemblies that use the runtime (a library of kernels).
    /// </summary>
    private static HashSet<ShapeArguments> DeclaredShapes(Compilation compilation, INamedTypeSymbol attributeType, CancellationToken cancellationToken)
    {
        var shapes = new HashSet<ShapeArguments>();
        var pending = new Stack<INamespaceOrTypeSymbol>();
        pending.Push(compilation.Assembly.GlobalNamespace);
        string runtime = attributeType.ContainingAssembly.Identity.Name;
        foreach (IAssemblySymbol reference in compilation.SourceModule.ReferencedAssemblySymbols)
        {
            foreach (IModuleSymbol module in reference.Modules)
            {
                if (module.ReferencedAssemblies.Any(identity => identity.Name == runtime))
                {
                    pending.Push(reference.GlobalNamespace);
                    break;
                }
            }
        }

        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            INamespaceOrTypeSymbol container = pending.Pop();
            foreach (INamespaceOrTypeSymbol member in container is INamespaceSymbol ns ? ns.GetMembers() : ((INamedTypeSymbol)container).GetTypeMembers())
            {
                pending.Push(member);
                if (member is INamedTypeSymbol type)
                {
                    foreach (AttributeData attribute in type.GetAttributes())
                    {
                        if (SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, attributeType) && FromAttribute(attribute) is { } shape)
                        {
                            shapes.Add(shape);
                        }
                    }
                }
            }
        }

        return shapes;
    }

    /// <summary>The shape a <c>[CrossAttention]</c> attribute declares, read as the generator reads it; null if invalid.</summary>
    private static ShapeArguments? FromAttribute(AttributeData attribute) =>
        CrossAttentionGenerator.Parser.ReadShape(attribute) is { } a
        && ShapeRules.Validate(a.Lq, a.Lkv, a.D, a.Heads, a.KvDim, a.Scale, a.KvHeads, a.Causal, out _, out _) == ShapeError.None
            ? ShapeArguments.Normalized(a.Lq, a.Lkv, a.D, a.Heads, a.KvDim, a.Scale, a.KvHeads, a.Causal)
            : null;

    /// <summary>A shape with its defaults resolved as <c>CrossAttentionShape</c> resolves them, so equal shapes compare equal.</summary>
    private readonly record struct ShapeArguments(int Lq, int Lkv, int D, int Heads, int KvDim, float Scale, float ResolvedScale, int KvHeads, bool Causal)
    {
        public static ShapeArguments Normalized(int lq, int lkv, int d, int heads, int kvDim, float scale, int kvHeads, bool causal) =>
            new(lq, lkv, d, heads, ShapeRules.ResolveKvDim(d, kvDim), scale, ShapeRules.ResolveScale(ShapeRules.HeadSize(d, heads), scale),
                ShapeRules.ResolveKvHeads(heads, kvHeads), causal);

        public bool Equals(ShapeArguments other) =>
            Lq == other.Lq && Lkv == other.Lkv && D == other.D && Heads == other.Heads && KvDim == other.KvDim
            && ResolvedScale.Equals(other.ResolvedScale) && KvHeads == other.KvHeads && Causal == other.Causal;

        public override int GetHashCode() => (Lq, Lkv, D, Heads, KvDim, ResolvedScale, KvHeads, Causal).GetHashCode();

        /// <summary>The attribute's arguments, the optional ones only where they differ from their defaults.</summary>
        public string AttributeArguments()
        {
            var text = new StringBuilder(string.Format(CultureInfo.InvariantCulture, "{0}, {1}, {2}, {3}", Lq, Lkv, D, Heads));
            if (KvDim != D)
            {
                text.Append(", KvDim = ").Append(KvDim.ToString(CultureInfo.InvariantCulture));
            }

            if (Scale != 0f)
            {
                text.Append(", Scale = ").Append(CrossAttentionGenerator.Emitter.FloatLiteral(Scale));
            }

            if (KvHeads != Heads)
            {
                text.Append(", KvHeads = ").Append(KvHeads.ToString(CultureInfo.InvariantCulture));
            }

            if (Causal)
            {
                text.Append(", Causal = true");
            }

            return text.ToString();
        }

        /// <summary>A name that says the shape: <c>Attention16x49x512x8Kv768Causal</c>.</summary>
        public string ClassName()
        {
            var name = new StringBuilder(string.Format(CultureInfo.InvariantCulture, "Attention{0}x{1}x{2}x{3}", Lq, Lkv, D, Heads));
            if (KvDim != D)
            {
                name.Append("Kv").Append(KvDim.ToString(CultureInfo.InvariantCulture));
            }

            if (KvHeads != Heads)
            {
                name.Append("Groups").Append(KvHeads.ToString(CultureInfo.InvariantCulture));
            }

            if (Scale != 0f)
            {
                name.Append("Scaled");
            }

            if (Causal)
            {
                name.Append("Causal");
            }

            return name.ToString();
        }
    }
}
