using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using CrossAttention.Kernels;
using CrossAttention.Loading;

namespace CrossAttention;

public sealed partial class CrossAttentionWeights
{
    private static readonly string[] PyTorchMarkers = ["in_proj_weight", "q_proj_weight"];
    private static readonly string[] HuggingFaceMarkers = ["q_proj.weight"];

    /// <summary>
    /// What <see cref="Load(string, CrossAttentionShape, string)"/> read: the file, its naming scheme and each tensor
    /// used; <see langword="null"/> for weights that were not loaded from a file.
    /// </summary>
    public CheckpointInfo? Checkpoint { get; private set; }

    /// <summary>
    /// Loads trained weights from a safetensors file (PyTorch and Hugging Face checkpoints): the tensors named
    /// <paramref name="prefix"/> + the PyTorch <c>nn.MultiheadAttention</c> state-dict names (<c>in_proj_weight</c>,
    /// or <c>q_proj_weight</c>/<c>k_proj_weight</c>/<c>v_proj_weight</c> when the context width differs;
    /// <c>in_proj_bias</c>, <c>out_proj.weight</c>, <c>out_proj.bias</c>) or the Hugging Face names
    /// (<c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>out_proj</c> or <c>o_proj</c>, each <c>.weight</c> with an
    /// optional <c>.bias</c>), stored as F32, F16 or BF16 and widened to float32. A missing bias is zeros; other
    /// tensors in the file are ignored.
    /// </summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <param name="shape">The layer's shape: it says which sizes every tensor must have.</param>
    /// <param name="prefix">
    /// What comes before the layer's own names, with its final dot: for example
    /// <c>model.decoder.layers.0.encoder_attn.</c>; empty for a file holding one module's state dict.
    /// </param>
    /// <exception cref="InvalidDataException">
    /// The file is not a valid safetensors file (its header is malformed or inconsistent with its length), or it lacks
    /// a tensor the layer needs, or a tensor has the wrong shape or an unsupported dtype. The message names the file,
    /// the tensor and what was expected against what was found.
    /// </exception>
    /// <exception cref="FileNotFoundException">No file at <paramref name="path"/>.</exception>
    public static CrossAttentionWeights Load(string path, CrossAttentionShape shape, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(path);
        using FileStream stream = File.OpenRead(path);
        return Load(stream, path, shape, prefix);
    }

    /// <summary>
    /// Loads trained weights from a safetensors stream, as <see cref="Load(string, CrossAttentionShape, string)"/>
    /// does from a file. The stream is read forward from its current position (it need not seek: a network or
    /// decompression stream works) and is left open.
    /// </summary>
    /// <exception cref="InvalidDataException">As for the file overload; the message names the stream.</exception>
    public static CrossAttentionWeights Load(Stream stream, CrossAttentionShape shape, string prefix = "")
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Load(stream, stream is FileStream file ? file.Name : $"the {stream.GetType().Name}", shape, prefix);
    }

    private static CrossAttentionWeights Load(Stream stream, string source, CrossAttentionShape shape, string prefix)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(prefix);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream cannot be read.", nameof(stream));
        }

        SafeTensorsFile file = SafeTensorsFile.Open(stream, source);
        List<Part> parts = Plan(file, shape.D, shape.KvDim, shape.KeyValueWidth, prefix, out string naming);

        // Every tensor is checked before anything is allocated for it, so a file that fails costs nothing.
        foreach (Part part in parts)
        {
            Check(file, part);
        }

        var weights = new CrossAttentionWeights(shape);
        var reads = new List<(SafeTensor, long, Memory<float>)>();
        var used = new List<CheckpointTensor>();
        var zeros = new List<string>();
        foreach (Part part in parts)
        {
            if (!file.Tensors.TryGetValue(part.Name, out SafeTensor? tensor))
            {
                zeros.AddRange(part.Roles);
                continue;
            }

            long first = 0;
            foreach (string role in part.Roles)
            {
                Memory<float> target = weights.Storage(role).Memory;
                reads.Add((tensor, first, target));
                first += target.Length;
            }

            used.Add(new CheckpointTensor(tensor.Name, tensor.DType, tensor.Shape, string.Join(", ", part.Roles)));
        }

        file.Read(reads);
        used.Sort((a, b) => file.Tensors[a.Name].Begin.CompareTo(file.Tensors[b.Name].Begin));
        weights.Checkpoint = new CheckpointInfo(source, naming, prefix, used, zeros, file.Names.Count - used.Count);
        return weights;
    }

    /// <summary>A tensor the layer reads: its name, the shape it must have, and the weights it fills, in order.</summary>
    private sealed record Part(string Name, long[] Shape, string ShapeText, bool Optional, string[] Roles);

    /// <summary>
    /// The tensors to read for a layer of width <paramref name="d"/>, context width <paramref name="kvDim"/> and
    /// <paramref name="kv"/> key/value outputs, under the naming scheme the file uses.
    /// </summary>
    private static List<Part> Plan(SafeTensorsFile file, int d, int kvDim, int kv, string prefix, out string naming)
    {
        bool Has(string name) => file.Tensors.ContainsKey(prefix + name);
        string? pytorch = PyTorchMarkers.FirstOrDefault(Has), huggingFace = HuggingFaceMarkers.FirstOrDefault(Has);
        if (pytorch is not null && huggingFace is not null)
        {
            throw Invalid(file, $"it holds both PyTorch ('{prefix}{pytorch}') and Hugging Face ('{prefix}{huggingFace}') names under the prefix '{prefix}': which layer to load is ambiguous");
        }

        var parts = new List<Part>();
        Part Weight(string name, string roles, int rows, int columns, string text) =>
            new(prefix + name, [rows, columns], $"{text} = [{rows}, {columns}]", false, roles.Split(", "));
        Part Bias(string name, string roles, int length, string text) =>
            new(prefix + name, [length], $"{text} = [{length}]", true, roles.Split(", "));

        if (pytorch is not null)
        {
            naming = "PyTorch nn.MultiheadAttention";
            if (Has("in_proj_weight") && Has("q_proj_weight"))
            {
                throw Invalid(file, $"it holds both '{prefix}in_proj_weight' and '{prefix}q_proj_weight': which one is the query projection is ambiguous");
            }

            if (Has("in_proj_weight"))
            {
                if (kvDim != d)
                {
                    throw Invalid(file, $"tensor '{prefix}in_proj_weight' packs q, k and v with one input width, D = {d}, but the shape's KvDim is {kvDim} "
                                        + "(nn.MultiheadAttention with kdim/vdim ≠ embed_dim stores q_proj_weight, k_proj_weight and v_proj_weight instead)");
                }

                parts.Add(Weight("in_proj_weight", "Wq, Wk, Wv", d + (2 * kv), d, kv == d ? "[3·D, D]" : "[D + 2·KvHeads·dh, D]"));
            }
            else
            {
                parts.Add(Weight("q_proj_weight", "Wq", d, d, "Wq [D, D]"));
                parts.Add(Weight("k_proj_weight", "Wk", kv, kvDim, "Wk [KvHeads·dh, KvDim]"));
                parts.Add(Weight("v_proj_weight", "Wv", kv, kvDim, "Wv [KvHeads·dh, KvDim]"));
            }

            parts.Add(Bias("in_proj_bias", "Bq, Bk, Bv", d + (2 * kv), kv == d ? "[3·D]" : "[D + 2·KvHeads·dh]"));
            parts.Add(Weight("out_proj.weight", "Wo", d, d, "Wo [D, D]"));
            parts.Add(Bias("out_proj.bias", "Bo", d, "Bo [D]"));
            return parts;
        }

        if (huggingFace is not null)
        {
            naming = "Hugging Face";
            if (Has("out_proj.weight") && Has("o_proj.weight"))
            {
                throw Invalid(file, $"it holds both '{prefix}out_proj.weight' and '{prefix}o_proj.weight': which one is the output projection is ambiguous");
            }

            string output = Has("o_proj.weight") ? "o_proj" : "out_proj";
            parts.Add(Weight("q_proj.weight", "Wq", d, d, "Wq [D, D]"));
            parts.Add(Bias("q_proj.bias", "Bq", d, "Bq [D]"));
            parts.Add(Weight("k_proj.weight", "Wk", kv, kvDim, "Wk [KvHeads·dh, KvDim]"));
            parts.Add(Bias("k_proj.bias", "Bk", kv, "Bk [KvHeads·dh]"));
            parts.Add(Weight("v_proj.weight", "Wv", kv, kvDim, "Wv [KvHeads·dh, KvDim]"));
            parts.Add(Bias("v_proj.bias", "Bv", kv, "Bv [KvHeads·dh]"));
            parts.Add(Weight(output + ".weight", "Wo", d, d, "Wo [D, D]"));
            parts.Add(Bias(output + ".bias", "Bo", d, "Bo [D]"));
            return parts;
        }

        throw Invalid(file, NoLayerMessage(file, prefix));
    }

    private static void Check(SafeTensorsFile file, Part part)
    {
        if (!file.Tensors.TryGetValue(part.Name, out SafeTensor? tensor))
        {
            if (part.Optional)
            {
                return;
            }

            throw Invalid(file, $"tensor '{part.Name}' ({string.Join(", ", part.Roles)}: {part.ShapeText}) is missing");
        }

        if (tensor.DType is not ("F32" or "F16" or "BF16"))
        {
            throw Invalid(file, $"tensor '{part.Name}' is {tensor.DType}; expected F32, F16 or BF16");
        }

        if (!tensor.Shape.AsSpan().SequenceEqual(part.Shape))
        {
            throw Invalid(file, $"tensor '{part.Name}' has shape {tensor.ShapeText}; expected {SafeTensor.Format(part.Shape)} "
                                + $"({string.Join(", ", part.Roles)}: {part.ShapeText}, nn.Linear's [out, in] layout)");
        }
    }

    /// <summary>Says what the file holds instead: the prefixes of the attention layers it has, or its first names.</summary>
    private static string NoLayerMessage(SafeTensorsFile file, string prefix)
    {
        string[] layers = file.Names
            .SelectMany(n => PyTorchMarkers.Concat(HuggingFaceMarkers).Where(n.EndsWith).Select(m => n[..^m.Length]))
            .Distinct()
            .ToArray();
        string looked = $"none of '{prefix}in_proj_weight', '{prefix}q_proj_weight' (PyTorch) or '{prefix}q_proj.weight' (Hugging Face) is in the file";
        if (layers.Length > 0)
        {
            string hint = prefix.Length > 0 && !prefix.EndsWith('.') && layers.Contains(prefix + ".") ? $" (the prefix needs its final dot: '{prefix}.')" : "";
            return $"{looked}{hint}; it has attention layers under the prefixes {string.Join(", ", layers.Take(8).Select(l => $"'{l}'"))}"
                   + (layers.Length > 8 ? $" and {layers.Length - 8} more" : "");
        }

        return file.Names.Count == 0
            ? $"{looked}; it holds no tensors"
            : $"{looked}; its {file.Names.Count} tensors include {string.Join(", ", file.Names.Take(6).Select(n => $"'{n}'"))}";
    }

    private AlignedFloats Storage(string role) => role switch
    {
        "Wq" => _wq,
        "Bq" => _bq,
        "Wk" => _wk,
        "Bk" => _bk,
        "Wv" => _wv,
        "Bv" => _bv,
        "Wo" => _wo,
        _ => _bo,
    };

    private static InvalidDataException Invalid(SafeTensorsFile file, string what) => new($"{file.Source}: {what}.");
}
