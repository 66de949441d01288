using System.Globalization;
using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace CrossAttention.Generator.Model;

/// <summary>
/// One type declaration around the generated code: <c>static partial class Outer</c>. <paramref name="Name"/> is the
/// name as the compiler sees it (<c>class</c> for <c>@class</c>); <see cref="Identifier"/> is how to write it.
/// </summary>
internal sealed record TypeDeclarationInfo(string Keyword, string Name, bool IsStatic)
{
    public string Identifier => HierarchyInfo.Escape(Name);
}

/// <summary>
/// Where the annotated class lives: its namespace (names as the compiler sees them, outermost first) and its containing
/// types, outermost first.
/// </summary>
internal sealed record HierarchyInfo(EquatableArray<string> Namespace, EquatableArray<TypeDeclarationInfo> ContainingTypes, TypeDeclarationInfo Type)
{
    /// <summary>The namespace as written in a <c>namespace</c> declaration (keywords escaped); empty for the global one.</summary>
    public string NamespaceDeclaration => string.Join(".", System.Linq.Enumerable.Select(Namespace, Escape));

    /// <summary>The name people read: <c>Ns.Outer.Inner</c>, as the compiler spells it.</summary>
    public string DisplayName
    {
        get
        {
            var builder = new StringBuilder();
            foreach (string part in Namespace)
            {
                builder.Append(part).Append('.');
            }

            foreach (TypeDeclarationInfo containing in ContainingTypes)
            {
                builder.Append(containing.Name).Append('.');
            }

            return builder.Append(Type.Name).ToString();
        }
    }

    /// <summary>
    /// The class's name as a file name: <c>Ns.Outer+Inner</c> (nested types after <c>+</c>, as in metadata names, so a
    /// namespace is never mistaken for a containing type), letters, digits and <c>_</c> as they are, any other character
    /// (names may hold combining marks, connectors, formatting characters) as <c>-xxxx</c>, its UTF-16 code in
    /// lowercase hex. Different names give different file names; names that differ only in case give file names that
    /// differ only in case, which <see cref="HintName"/> then tells apart.
    /// </summary>
    public string FileName
    {
        get
        {
            var text = new StringBuilder();
            foreach (string part in Namespace)
            {
                AppendFileName(text, part).Append('.');
            }

            foreach (TypeDeclarationInfo containing in ContainingTypes)
            {
                AppendFileName(text, containing.Name).Append('+');
            }

            return AppendFileName(text, Type.Name).ToString();
        }
    }

    /// <summary>
    /// The generated file's name: <c>{FileName}.g.cs</c>. The compiler compares hint names ignoring case (as the file
    /// systems of Windows and macOS compare file names), so when another annotated class of the compilation has a file
    /// name equal to this one ignoring case (<c>N.Attn</c> and <c>N.attn</c>), <paramref name="hasCaseTwin"/> is true and
    /// the name gets a last segment <c>.0x…</c>: the UTF-16 codes of the exact file name in hex, unique to it (a segment
    /// starting with a digit cannot be a name, so it never meets another class's file name).
    /// </summary>
    public string HintName(bool hasCaseTwin)
    {
        if (!hasCaseTwin)
        {
            return FileName + ".g.cs";
        }

        string fileName = FileName;
        var tag = new StringBuilder(".0x");
        foreach (char c in fileName)
        {
            tag.Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
        }

        return fileName + tag + ".g.cs";
    }

    /// <summary>An identifier as it must be written in code: <c>@class</c> for a name that is a keyword.</summary>
    public static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None
            ? "@" + name
            : name;

    private static StringBuilder AppendFileName(StringBuilder text, string name)
    {
        foreach (char c in name)
        {
            if (char.IsLetterOrDigit(c) || c == '_')
            {
                text.Append(c);
            }
            else
            {
                text.Append('-').Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
            }
        }

        return text;
    }
}
