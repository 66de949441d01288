namespace CrossAttention.Generator.Model;

/// <summary>One type declaration around the generated code: <c>static partial class Outer</c>.</summary>
internal sealed record TypeDeclarationInfo(string Keyword, string Name, bool IsStatic);

/// <summary>Where the annotated class lives: its namespace and its containing types, outermost first.</summary>
internal sealed record HierarchyInfo(string Namespace, EquatableArray<TypeDeclarationInfo> ContainingTypes, TypeDeclarationInfo Type)
{
    /// <summary>The fully qualified name, <c>global::</c>-prefixed, for use in <c>typeof</c>.</summary>
    public string GlobalName
    {
        get
        {
            var builder = new System.Text.StringBuilder("global::");
            if (Namespace.Length > 0)
            {
                builder.Append(Namespace).Append('.');
            }

            foreach (TypeDeclarationInfo containing in ContainingTypes)
            {
                builder.Append(containing.Name).Append('.');
            }

            return builder.Append(Type.Name).ToString();
        }
    }

    /// <summary>A file name unique per class: <c>Ns.Outer.Inner.g.cs</c>.</summary>
    public string HintName => GlobalName.Substring("global::".Length) + ".g.cs";
}
