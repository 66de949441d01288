using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;

namespace CrossAttention.Bench;

/// <summary>
/// The ONNX Runtime peers of SPEC §9, as ONNX models written here in a few lines of protobuf: the <c>com.microsoft</c>
/// <c>MultiHeadAttention</c> op for <c>Attend</c>; <c>MatMul</c> + <c>Add</c> projections around it for <c>Forward</c>;
/// the Q projection, attention on projected K/V and the output projection for the decoder step. Grouped-query shapes
/// repeat each key/value head for the query heads sharing it first (<c>Reshape</c>, <c>Expand</c>, <c>Reshape</c>: PyTorch's
/// <c>repeat_interleave</c>), as ONNX Runtime's <c>MultiHeadAttention</c> takes one key/value head per query head.
/// </summary>
internal static class OnnxModels
{
    /// <summary>Inputs q [1, Lq, D], k, v [1, Lkv, KvHeads·dh]; output [1, Lq, D].</summary>
    public static byte[] Attention(CrossAttentionShape shape)
    {
        var graph = new Proto().String(2, "attend");
        MultiHeadAttention(graph, shape, "q", "k", "v", "output");
        return Model(graph
            .Message(11, Value("q", 1, shape.Lq, shape.D))
            .Message(11, Value("k", 1, shape.Lkv, shape.KeyValueWidth))
            .Message(11, Value("v", 1, shape.Lkv, shape.KeyValueWidth))
            .Message(12, Value("output", 1, shape.Lq, shape.D)));
    }

    /// <summary>Inputs queries [1, Lq, D], context [1, Lkv, KvDim]; output [1, Lq, D]; the weights as initializers.</summary>
    public static byte[] Layer(CrossAttentionShape shape, CrossAttentionWeights weights)
    {
        var graph = new Proto().String(2, "forward");
        Linear(graph, "queries", "q", "q_", weights.Wq, weights.Bq, shape.D, shape.D);
        Linear(graph, "context", "k", "k_", weights.Wk, weights.Bk, shape.KvDim, shape.KeyValueWidth);
        Linear(graph, "context", "v", "v_", weights.Wv, weights.Bv, shape.KvDim, shape.KeyValueWidth);
        MultiHeadAttention(graph, shape, "q", "k", "v", "attended");
        Linear(graph, "attended", "output", "o_", weights.Wo, weights.Bo, shape.D, shape.D);
        return Model(graph
            .Message(11, Value("queries", 1, shape.Lq, shape.D))
            .Message(11, Value("context", 1, shape.Lkv, shape.KvDim))
            .Message(12, Value("output", 1, shape.Lq, shape.D)));
    }

    /// <summary>The decoder step: inputs queries [1, Lq, D] and projected k, v [1, Lkv, KvHeads·dh]; output [1, Lq, D].</summary>
    public static byte[] Step(CrossAttentionShape shape, CrossAttentionWeights weights)
    {
        var graph = new Proto().String(2, "step");
        Linear(graph, "queries", "q", "q_", weights.Wq, weights.Bq, shape.D, shape.D);
        MultiHeadAttention(graph, shape, "q", "k", "v", "attended");
        Linear(graph, "attended", "output", "o_", weights.Wo, weights.Bo, shape.D, shape.D);
        return Model(graph
            .Message(11, Value("queries", 1, shape.Lq, shape.D))
            .Message(11, Value("k", 1, shape.Lkv, shape.KeyValueWidth))
            .Message(11, Value("v", 1, shape.Lkv, shape.KeyValueWidth))
            .Message(12, Value("output", 1, shape.Lq, shape.D)));
    }

    // ModelProto: ir_version 1, producer_name 2, graph 7, opset_import 8 (OperatorSetIdProto: domain 1, version 2).
    private static byte[] Model(Proto graph) => new Proto()
        .Int(1, 8)
        .String(2, "CrossAttention.Bench")
        .Message(7, graph)
        .Message(8, new Proto().String(1, "").Int(2, 17))
        .Message(8, new Proto().String(1, "com.microsoft").Int(2, 1))
        .ToArray();

    /// <summary>y = x·Wᵀ + b as MatMul with the transposed weight and Add, appended to <paramref name="graph"/>.</summary>
    private static void Linear(Proto graph, string x, string y, string prefix, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
                               int inputs, int outputs)
    {
        var transposed = new float[inputs * outputs];
        for (int o = 0; o < outputs; o++)
        {
            for (int i = 0; i < inputs; i++)
            {
                transposed[(i * outputs) + o] = weight[(o * inputs) + i];
            }
        }

        graph.Message(5, Tensor(prefix + "weight", transposed, inputs, outputs))
             .Message(5, Tensor(prefix + "bias", bias.ToArray(), outputs))
             .Message(1, Node("MatMul", "", [x, prefix + "weight"], [prefix + "product"]))
             .Message(1, Node("Add", "", [prefix + "product", prefix + "bias"], [y]));
    }

    /// <summary>MultiHeadAttention on q, k, v, appended to <paramref name="graph"/>; grouped key/value heads repeated first.</summary>
    private static void MultiHeadAttention(Proto graph, CrossAttentionShape shape, string q, string k, string v, string output)
    {
        if (shape.KvHeads != shape.Heads)
        {
            // [1, Lkv, KvHeads·dh] → [1, Lkv, KvHeads, 1, dh] → [1, Lkv, KvHeads, Group, dh] → [1, Lkv, D].
            graph.Message(5, Int64Tensor("split_shape", 1, shape.Lkv, shape.KvHeads, 1, shape.HeadSize))
                 .Message(5, Int64Tensor("repeat_shape", 1, shape.Lkv, shape.KvHeads, shape.GroupSize, shape.HeadSize))
                 .Message(5, Int64Tensor("merge_shape", 1, shape.Lkv, shape.D));
            foreach (string input in new[] { k, v })
            {
                graph.Message(1, Node("Reshape", "", [input, "split_shape"], [input + "_split"]))
                     .Message(1, Node("Expand", "", [input + "_split", "repeat_shape"], [input + "_repeated"]))
                     .Message(1, Node("Reshape", "", [input + "_repeated", "merge_shape"], [input + "_heads"]));
            }

            (k, v) = (k + "_heads", v + "_heads");
        }

        // Causal rows: the op's unidirectional mask (its alignment equals ours when Lq = Lkv, the bench's causal shape).
        graph.Message(1, Node("MultiHeadAttention", "com.microsoft", [q, k, v], [output],
            new Proto().String(1, "num_heads").Int(3, shape.Heads).Int(20, 2),          // AttributeProto INT
            new Proto().String(1, "scale").Float(2, shape.Scale).Int(20, 1),            // AttributeProto FLOAT
            new Proto().String(1, "unidirectional").Int(3, shape.Causal ? 1 : 0).Int(20, 2)));
    }

    // NodeProto: input 1, output 2, op_type 4, attribute 5, domain 7.
    private static Proto Node(string op, string domain, string[] inputs, string[] outputs, params Proto[] attributes)
    {
        var node = new Proto();
        foreach (string input in inputs)
        {
            node.String(1, input);
        }

        foreach (string output in outputs)
        {
            node.String(2, output);
        }

        node.String(4, op);
        foreach (Proto attribute in attributes)
        {
            node.Message(5, attribute);
        }

        return domain.Length > 0 ? node.String(7, domain) : node;
    }

    // TensorProto: dims 1, data_type 2 (FLOAT = 1), name 8, raw_data 9 (little-endian).
    private static Proto Tensor(string name, float[] data, params long[] dims)
    {
        var tensor = new Proto();
        foreach (long dim in dims)
        {
            tensor.Int(1, dim);
        }

        return tensor.Int(2, 1).String(8, name).Bytes(9, MemoryMarshal.AsBytes(data.AsSpan()));
    }

    /// <summary>An INT64 (data_type 7) initializer, for shapes.</summary>
    private static Proto Int64Tensor(string name, params long[] values) =>
        new Proto().Int(1, values.Length).Int(2, 7).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));

    // ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1.
    private static Proto Value(string name, params long[] dims)
    {
        var shape = new Proto();
        foreach (long dim in dims)
        {
            shape.Message(1, new Proto().Int(1, dim));
        }

        return new Proto().String(1, name).Message(2, new Proto().Message(1, new Proto().Int(1, 1).Message(2, shape)));
    }

    /// <summary>Just enough of the protobuf wire format: varints, 32-bit floats, length-delimited fields.</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _bytes = new();

        public Proto Int(int field, long value)
        {
            Key(field, 0);
            Varint((ulong)value);
            return this;
        }

        public Proto Float(int field, float value)
        {
            Key(field, 5);
            Span<byte> bytes = stackalloc byte[4];
            BitConverter.TryWriteBytes(bytes, value);
            _bytes.Write(bytes);
            return this;
        }

        public Proto String(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Message(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, ReadOnlySpan<byte> value)
        {
            Key(field, 2);
            Varint((ulong)value.Length);
            _bytes.Write(value);
            return this;
        }

        public byte[] ToArray() => _bytes.ToArray();

        private void Key(int field, int wireType) => Varint((ulong)((field << 3) | wireType));

        private void Varint(ulong value)
        {
            for (; value >= 0x80; value >>= 7)
            {
                _bytes.WriteByte((byte)(value | 0x80));
            }

            _bytes.WriteByte((byte)value);
        }
    }
}
