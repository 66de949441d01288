using System.IO;
using System.Linq;
using System.Text.Json;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// One checkpoint of <c>Models/</c>: a safetensors file written by PyTorch tooling and its JSON sidecar with inputs and
/// libtorch's outputs (see Models/README.md).
/// </summary>
internal sealed class CheckpointFixture
{
    private CheckpointFixture(string name, JsonElement root)
    {
        Name = name;
        Shape = new CrossAttentionShape(Int(root, "lq"), Int(root, "lkv"), Int(root, "d"), Int(root, "heads"), Int(root, "kvDim"),
                                        root.GetProperty("scale").GetSingle(), Int(root, "kvHeads"));
        Batch = Int(root, "batch");
        Prefix = root.GetProperty("prefix").GetString()!;
        DType = root.GetProperty("dtype").GetString()!;
        Naming = root.GetProperty("naming").GetString()!;
        Tensors = root.GetProperty("tensors").EnumerateObject().Select(p => (p.Name, p.Value.EnumerateArray().Select(x => x.GetInt64()).ToArray())).ToArray();
        Mask = root.GetProperty("mask").EnumerateArray().SelectMany(item => item.EnumerateArray().Select(x => x.GetInt32() == 1)).ToArray();
        Queries = Floats(root, "queries");
        Context = Floats(root, "context");
        Output = Floats(root, "output");
        OutputCausal = root.TryGetProperty("outputCausal", out JsonElement causal) ? causal.EnumerateArray().Select(x => x.GetSingle()).ToArray() : null;
    }

    public static readonly string[] Names = ["mha_inproj", "mha_kdim", "bart_style_bf16", "llama_style_gqa_f16"];

    public string Name { get; }

    public CrossAttentionShape Shape { get; }

    public int Batch { get; }

    public string Prefix { get; }

    public string DType { get; }

    /// <summary><c>pytorch-mha</c> or <c>hf</c>.</summary>
    public string Naming { get; }

    /// <summary>Every tensor of the file, name and shape, in file order.</summary>
    public (string Name, long[] Shape)[] Tensors { get; }

    public bool[] Mask { get; }

    public float[] Queries { get; }

    public float[] Context { get; }

    public float[] Output { get; }

    /// <summary>libtorch's output with the causal mask too (lower-right aligned), where the file has one.</summary>
    public float[]? OutputCausal { get; }

    public string FilePath => PathOf(Name);

    public static string PathOf(string name) => Path.Combine(ProjectFiles.Directory, "Models", name + ".safetensors");

    public static CheckpointFixture Load(string name)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(Path.Combine(ProjectFiles.Directory, "Models", name + ".json")));
        return new CheckpointFixture(name, document.RootElement.Clone());
    }

    private static int Int(JsonElement root, string property) => root.GetProperty(property).GetInt32();

    private static float[] Floats(JsonElement root, string property) => root.GetProperty(property).EnumerateArray().Select(x => x.GetSingle()).ToArray();
}
