using System.Collections.Generic;

namespace CrossAttention;

/// <summary>What <see cref="CrossAttentionWeights.Load(string, CrossAttentionShape, string)"/> read from a checkpoint.</summary>
/// <param name="Source">The file's path, or a description of the stream.</param>
/// <param name="Naming">The naming scheme found: <c>PyTorch nn.MultiheadAttention</c> or <c>Hugging Face</c>.</param>
/// <param name="Prefix">The prefix the layer's tensors were read under.</param>
/// <param name="Tensors">Each tensor read, in file order.</param>
/// <param name="ZeroBiases">The biases the file does not hold, left at zero (for example <c>Bq</c>).</param>
/// <param name="IgnoredTensors">How many other tensors the file holds.</param>
public sealed record CheckpointInfo(
    string Source, string Naming, string Prefix, IReadOnlyList<CheckpointTensor> Tensors, IReadOnlyList<string> ZeroBiases, int IgnoredTensors);

/// <summary>One tensor read from a checkpoint.</summary>
/// <param name="Name">Its full name in the file.</param>
/// <param name="DType">Its stored type: <c>F32</c>, <c>F16</c> or <c>BF16</c> (widened to float32 on loading).</param>
/// <param name="Shape">Its shape as stored.</param>
/// <param name="Filled">The weights it filled, for example <c>Wq, Wk, Wv</c> for a packed <c>in_proj_weight</c>.</param>
public sealed record CheckpointTensor(string Name, string DType, IReadOnlyList<long> Shape, string Filled);
