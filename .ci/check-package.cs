// Checks a packed CrossAttention.Gen package holds what a user needs, not just that it restores:
//   dotnet run .ci/check-package.cs -- <folder with CrossAttention.Gen.<version>.nupkg and .snupkg>
// Prints the package's files; exits non-zero naming each thing missing.
using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

string folder = args.Length == 1 ? args[0] : throw new ArgumentException("usage: check-package.cs <package folder>");
string package = Directory.GetFiles(folder, "CrossAttention.Gen.*.nupkg").Single();
string symbols = Path.ChangeExtension(package, ".snupkg");
var missing = new List<string>();

using ZipArchive zip = ZipFile.OpenRead(package);
var files = zip.Entries.Select(entry => entry.FullName).Where(name => !name.StartsWith("package/", StringComparison.Ordinal) && !name.StartsWith("_rels/", StringComparison.Ordinal) && name != "[Content_Types].xml").OrderBy(name => name, StringComparer.Ordinal).ToList();
Console.WriteLine($"{Path.GetFileName(package)}:");
foreach (ZipArchiveEntry entry in zip.Entries.Where(entry => files.Contains(entry.FullName)).OrderBy(entry => entry.FullName, StringComparer.Ordinal))
{
    Console.WriteLine($"  {entry.FullName,-58} {entry.Length,9:N0} B");
}

foreach (string required in new[]
{
    "lib/net10.0/CrossAttention.dll",                        // the runtime
    "lib/net10.0/CrossAttention.xml",                        // its documentation
    "analyzers/dotnet/cs/CrossAttention.Generator.dll",      // the generator and the analyzer
    "analyzers/dotnet/cs/CrossAttention.CodeFixes.dll",      // the code fix
    "buildTransitive/CrossAttention.Gen.targets",            // the Native AOT check, for every project that gets the package
    "build/CrossAttention.Gen.targets",
    "README.md",
})
{
    if (!files.Contains(required))
    {
        missing.Add($"file {required}");
    }
}

// Every public type and member of the runtime documented (the build also fails on a missing comment: CS1591).
ZipArchiveEntry? docs = zip.GetEntry("lib/net10.0/CrossAttention.xml");
if (docs is not null)
{
    using Stream stream = docs.Open();
    int members = XDocument.Load(stream).Descendants("member").Count();
    Console.WriteLine($"  documentation: {members} members");
    if (members < 100)
    {
        missing.Add($"documentation (only {members} members)");
    }
}

ZipArchiveEntry nuspecEntry = zip.Entries.Single(entry => entry.FullName.EndsWith(".nuspec", StringComparison.Ordinal));
using (Stream stream = nuspecEntry.Open())
{
    XElement metadata = XDocument.Load(stream).Root!.Elements().Single(element => element.Name.LocalName == "metadata");
    string? Value(string name) => metadata.Elements().FirstOrDefault(element => element.Name.LocalName == name)?.Value;
    string? Attribute(string element, string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == element)?.Attribute(name)?.Value;
    foreach (var (what, value) in new[]
    {
        ("readme", Value("readme")), ("license expression", Value("license")), ("description", Value("description")),
        ("tags", Value("tags")), ("project URL", Value("projectUrl")), ("repository URL", Attribute("repository", "url")),
        ("repository commit", Attribute("repository", "commit")),
    })
    {
        Console.WriteLine($"  {what}: {(value is null ? "(none)" : value.Length > 80 ? value[..77] + "..." : value)}");
        if (string.IsNullOrWhiteSpace(value))
        {
            missing.Add($"nuspec {what}");
        }
    }
}

// Symbols: the runtime's PDB with a SourceLink map to the repository.
if (!File.Exists(symbols))
{
    missing.Add($"symbols package {Path.GetFileName(symbols)}");
}
else
{
    using ZipArchive symbolZip = ZipFile.OpenRead(symbols);
    ZipArchiveEntry? pdb = symbolZip.GetEntry("lib/net10.0/CrossAttention.pdb");
    if (pdb is null)
    {
        missing.Add("lib/net10.0/CrossAttention.pdb in the symbols package");
    }
    else
    {
        using var reader = new StreamReader(pdb.Open());
        string content = reader.ReadToEnd();
        int at = content.IndexOf("{\"documents\":", StringComparison.Ordinal);
        string sourceLink = at < 0 ? "" : content[at..(content.IndexOf('}', at) + 2)];
        Console.WriteLine($"{Path.GetFileName(symbols)}: lib/net10.0/CrossAttention.pdb, SourceLink {(at < 0 ? "(none)" : sourceLink)}");
        if (!sourceLink.Contains("https://", StringComparison.Ordinal))
        {
            missing.Add("a SourceLink map in the PDB");
        }
    }
}

foreach (string item in missing)
{
    Console.Error.WriteLine($"package check: missing {item}");
}

return missing.Count == 0 ? 0 : 1;
