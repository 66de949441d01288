using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// Writes safetensors files for tests, independently of the loader: the layout of the format's specification (8-byte
/// little-endian header length, JSON header, data), so round trips and malformed variants can be made at will.
/// </summary>
internal static class SafeTensorsWriter
{
    public sealed record Tensor(string Name, string DType, long[] Shape, float[] Values);

    /// <summary>The file bytes; tensors stored in the given order, values encoded in each tensor's dtype.</summary>
    public static byte[] Write(IEnumerable<Tensor> tensors, string? metadata = null)
    {
        var data = new MemoryStream();
        var entries = new List<string>();
        if (metadata is not null)
        {
            entries.Add($"\"__metadata__\":{metadata}");
        }

        foreach (Tensor tensor in tensors)
        {
            long begin = data.Length;
            byte[] bytes = Encode(tensor.DType, tensor.Values);
            data.Write(bytes);
            entries.Add($"\"{tensor.Name}\":{{\"dtype\":\"{tensor.DType}\",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{begin},{data.Length}]}}");
        }

        return Assemble("{" + string.Join(",", entries) + "}", data.ToArray());
    }

    /// <summary>A file from a header text and data bytes, the header length written as it is.</summary>
    public static byte[] Assemble(string header, byte[] data, ulong? headerLength = null)
    {
        byte[] json = Encoding.UTF8.GetBytes(header);
        var file = new byte[8 + json.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(file, headerLength ?? (ulong)json.Length);
        json.CopyTo(file, 8);
        data.CopyTo(file, 8 + json.Length);
        return file;
    }

    /// <summary>The header text and the data section of a file.</summary>
    public static (string Header, byte[] Data) Split(byte[] file)
    {
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(file);
        return (Encoding.UTF8.GetString(file, 8, length), file[(8 + length)..]);
    }

    public static byte[] Encode(string dtype, float[] values)
    {
        switch (dtype)
        {
            case "F32":
                return values.SelectMany(v => { var b = new byte[4]; BinaryPrimitives.WriteSingleLittleEndian(b, v); return b; }).ToArray();
            case "F16":
                return values.SelectMany(v => { var b = new byte[2]; BinaryPrimitives.WriteHalfLittleEndian(b, (Half)v); return b; }).ToArray();
            case "BF16":
                // Truncation: the tests store values BF16 holds exactly (see RoundToBFloat16).
                return values.SelectMany(v => { var b = new byte[2]; BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)); return b; }).ToArray();
            case "I64":
                return values.SelectMany(v => { var b = new byte[8]; BinaryPrimitives.WriteInt64LittleEndian(b, (long)v); return b; }).ToArray();
            default:
                throw new ArgumentException($"no encoder for {dtype}", nameof(dtype));
        }
    }

    /// <summary>Values a dtype holds exactly, so what is loaded can be compared bit for bit.</summary>
    public static float[] Representable(string dtype, float[] values) => dtype switch
    {
        "F16" => values.Select(v => (float)(Half)v).ToArray(),
        "BF16" => values.Select(v => BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000u)).ToArray(),
        _ => values,
    };
}

/// <summary>
/// A stream that can only be read forward, as from a network or a decompressor, in reads of at most
/// <paramref name="maxRead"/> bytes.
/// </summary>
internal sealed class ForwardOnlyStream(byte[] bytes, int maxRead = 7) : Stream
{
    private readonly MemoryStream _inner = new(bytes);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, maxRead));

    public override void Flush() { }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
