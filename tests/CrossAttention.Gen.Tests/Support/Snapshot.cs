using System;
using System.IO;
using System.Text;
using Xunit.Sdk;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// Golden files in <c>Snapshots/</c>, compared exactly. Set <c>CXA_UPDATE_SNAPSHOTS=1</c> to rewrite them from the
/// current output (then review the diff in git like any other change).
/// </summary>
internal static class Snapshot
{
    public const string UpdateVariable = "CXA_UPDATE_SNAPSHOTS";

    public static void Match(string fileName, string actual)
    {
        string path = Path.Combine(ProjectFiles.Directory, "Snapshots", fileName);
        actual = actual.Replace("\r\n", "\n");
        if (Environment.GetEnvironmentVariable(UpdateVariable) == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.WriteAllText(path, actual, new UTF8Encoding(false));
            return;
        }

        if (!File.Exists(path))
        {
            throw new XunitException($"No snapshot {path}. Run the tests with {UpdateVariable}=1 to create it, then review it.");
        }

        string expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected != actual)
        {
            throw new XunitException($"{fileName} differs from its snapshot (rerun with {UpdateVariable}=1 to accept):\n{Diff(expected, actual)}");
        }
    }

    /// <summary>The first differing line with three lines of context either side, and the line counts.</summary>
    private static string Diff(string expected, string actual)
    {
        string[] e = expected.Split('\n'), a = actual.Split('\n');
        int line = 0;
        while (line < e.Length && line < a.Length && e[line] == a[line])
        {
            line++;
        }

        var text = new StringBuilder($"first difference at line {line + 1} (snapshot has {e.Length} lines, output {a.Length}):\n");
        for (int i = Math.Max(0, line - 3); i < Math.Min(Math.Max(e.Length, a.Length), line + 4); i++)
        {
            string left = i < e.Length ? e[i] : "<end>", right = i < a.Length ? a[i] : "<end>";
            if (left == right)
            {
                text.Append("    ").Append(i + 1).Append("  ").AppendLine(left);
            }
            else
            {
                text.Append("  - ").Append(i + 1).Append("  ").AppendLine(left);
                text.Append("  + ").Append(i + 1).Append("  ").AppendLine(right);
            }
        }

        return text.ToString();
    }
}
