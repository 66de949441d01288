using Microsoft.CodeAnalysis;

namespace CrossAttention.Generator.Model;

/// <summary>A diagnostic to report, as plain values (descriptor ID, location, message arguments).</summary>
internal sealed record DiagnosticInfo(DiagnosticDescriptor Descriptor, LocationInfo? Location, EquatableArray<string> Arguments)
{
    public Diagnostic ToDiagnostic()
    {
        object?[] arguments = new object?[Arguments.Count];
        for (int i = 0; i < arguments.Length; i++)
        {
            arguments[i] = Arguments[i];
        }

        return Diagnostic.Create(Descriptor, Location?.ToLocation(), arguments);
    }

    public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
        new(descriptor, location, new EquatableArray<string>(System.Collections.Immutable.ImmutableArray.Create(arguments)));
}
