using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.Json;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// One file of <c>Vectors/</c>: inputs and libtorch's float32 results for one shape (see Vectors/README.md). Numbers are
/// read as float directly from their text, as that README asks.
/// </summary>
internal sealed class ReferenceVector
{
    private readonly JsonElement _root;

    private ReferenceVector(string name, JsonElement root)
    {
        Name = name;
        _root = root;
        Shape = new CrossAttentionShape(Int("lq"), Int("lkv"), Int("d"), Int("heads"), Int("kvDim"), root.GetProperty("scale").GetSingle());
        Batch = Int("batch");
        Mask = root.GetProperty("mask").ValueKind == JsonValueKind.Null
            ? null
            : root.GetProperty("mask").EnumerateArray().Select(x => x.GetBoolean()).ToArray();
    }

    public string Name { get; }

    public CrossAttentionShape Shape { get; }

    public int Batch { get; }

    public bool[]? Mask { get; }

    public float[] Attend(string field) => Floats(_root.GetProperty("attend").GetProperty(field));

    public float[] Forward(string field) => Floats(_root.GetProperty("forward").GetProperty(field));

    public static string[] Names => Directory.GetFiles(Folder, "*.json").Select(Path.GetFileNameWithoutExtension).Order().ToArray()!;

    public static ReferenceVector Load(string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder, name + ".json")));
        return new ReferenceVector(name, document.RootElement.Clone());
    }

    private static string Folder => Path.Combine(ProjectFiles.Directory, "Vectors");

    private int Int(string property) => _root.GetProperty(property).GetInt32();

    private static float[] Floats(JsonElement array) => array.EnumerateArray().Select(x => x.GetSingle()).ToArray();
}

/// <summary>The test project's source folder, recorded at build time (golden files live there).</summary>
internal static class ProjectFiles
{
    public static string Directory { get; } = typeof(ProjectFiles).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "ProjectDirectory").Value!;
}
