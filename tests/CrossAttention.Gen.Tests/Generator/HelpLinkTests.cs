using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using CrossAttention.Gen.Tests.Support;
using CrossAttention.Generator;
using Microsoft.CodeAnalysis;
using Xunit;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>Every diagnostic links to its own row of the README's Diagnostics table, in the repository the package names.</summary>
public sealed class HelpLinkTests
{
    private static readonly string Root = Path.GetFullPath(Path.Combine(ProjectFiles.Directory, "..", ".."));

    private static readonly DiagnosticDescriptor[] Descriptors = typeof(DiagnosticDescriptors)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.FieldType == typeof(DiagnosticDescriptor))
        .Select(field => (DiagnosticDescriptor)field.GetValue(null)!)
        .ToArray();

    [Fact]
    public void Every_diagnostic_links_to_its_anchor_in_the_readme()
    {
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        Assert.True(Descriptors.Length >= 17);
        foreach (DiagnosticDescriptor descriptor in Descriptors)
        {
            string anchor = descriptor.Id.ToLowerInvariant();
            Assert.Equal(DiagnosticDescriptors.HelpLinkBase + anchor, descriptor.HelpLinkUri);
            Assert.Contains($"| <a id=\"{anchor}\"></a>{descriptor.Id} |", readme, StringComparison.Ordinal);
        }

        // The package's MSBuild diagnostic too, and no row of the table without a diagnostic behind it.
        string targets = File.ReadAllText(Path.Combine(Root, "runtime", "buildTransitive", "CrossAttention.Gen.targets"));
        Assert.Contains($"<_CrossAttentionHelpLink>{DiagnosticDescriptors.HelpLinkBase}cxa0200</_CrossAttentionHelpLink>", targets, StringComparison.Ordinal);
        string[] rows = Regex.Matches(readme, "<a id=\"(cxa\\d{4})\"></a>").Select(match => match.Groups[1].Value).ToArray();
        Assert.Equal(Descriptors.Select(d => d.Id.ToLowerInvariant()).Append("cxa0200").Order(), rows.Order());
    }

    [Fact]
    public void The_links_name_the_repository_the_package_names()
    {
        string repository = XDocument.Load(Path.Combine(Root, "Directory.Build.props")).Descendants("RepositoryUrl").Single().Value;
        Assert.Equal(DiagnosticDescriptors.HelpLinkBase, repository + "/blob/main/README.md#");
    }
}
