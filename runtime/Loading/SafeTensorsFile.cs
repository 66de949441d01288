using System;
using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Unicode;

namespace CrossAttention.Loading;

/// <summary>One tensor of a safetensors header: its dtype, shape and byte range in the data section.</summary>
internal sealed record SafeTensor(string Name, string DType, long[] Shape, long Begin, long End)
{
    public string ShapeText => Format(Shape);

    public static string Format(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}

/// <summary>
/// A safetensors file read as untrusted input (https://github.com/huggingface/safetensors): an 8-byte little-endian
/// header length, a JSON header naming each tensor's dtype, shape and byte offsets, then the data. The whole header is
/// validated before any tensor is read — the length against the file and a 100 MB cap, the JSON, every entry, the
/// element count of every shape against its bytes, and the offsets, which must tile the data section exactly (no
/// overlap, no gap, nothing past its end) — so a malformed file fails with <see cref="InvalidDataException"/> before
/// anything is allocated for its tensors, and no read goes outside the file.
/// </summary>
/// <remarks>
/// Nothing is allocated that the bytes actually present do not justify: from a stream of unknown length the header
/// buffer grows only as header bytes arrive, and tensors are read into buffers whose size the caller chose from the
/// layer's shape. A stream is read forward only (seeking when it can, skipping bytes when it cannot), so a checkpoint
/// can come from a network or a decompressor.
/// </remarks>
internal sealed class SafeTensorsFile
{
    /// <summary>The largest header accepted, as the reference implementation caps it.</summary>
    internal const long MaxHeaderBytes = 100_000_000;

    private const int ChunkBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly long _dataStart;
    private long _position;

    private SafeTensorsFile(Stream stream, string source, long dataStart, long dataLength, Dictionary<string, SafeTensor> tensors, List<string> order)
    {
        _stream = stream;
        Source = source;
        _dataStart = dataStart;
        _position = dataStart;
        DataLength = dataLength;
        Tensors = tensors;
        Names = order;
    }

    /// <summary>The file name, or a description of the stream, for messages.</summary>
    public string Source { get; }

    /// <summary>Every tensor by name.</summary>
    public IReadOnlyDictionary<string, SafeTensor> Tensors { get; }

    /// <summary>The tensor names in header order.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Bytes of the data section (the end of the last tensor).</summary>
    public long DataLength { get; }

    /// <summary>Bytes of one element of a dtype the format defines; 0 for a dtype it does not.</summary>
    public static int ElementSize(string dtype) => dtype switch
    {
        "BOOL" or "U8" or "I8" or "F8_E5M2" or "F8_E4M3" => 1,
        "I16" or "U16" or "F16" or "BF16" => 2,
        "I32" or "U32" or "F32" => 4,
        "I64" or "U64" or "F64" => 8,
        _ => 0,
    };

    /// <summary>Reads and validates the header; the stream is left at the start of the data section.</summary>
    /// <exception cref="InvalidDataException">The header is malformed, truncated or inconsistent with the file.</exception>
    public static SafeTensorsFile Open(Stream stream, string source)
    {
        long? length = stream.CanSeek ? stream.Length - stream.Position : null;
        Span<byte> prefix = stackalloc byte[8];
        int got = ReadAtMost(stream, prefix);
        if (got < 8)
        {
            throw Malformed(source, $"the file has {got} bytes; a safetensors file starts with an 8-byte header length");
        }

        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerLength > MaxHeaderBytes)
        {
            throw Malformed(source, $"the header length is {headerLength:N0} bytes, more than the {MaxHeaderBytes:N0} a safetensors header may have");
        }

        if (length is long total && (long)headerLength > total - 8)
        {
            throw Malformed(source, $"the header length is {headerLength:N0} bytes but only {total - 8:N0} bytes follow it");
        }

        byte[] header = ReadHeader(stream, (int)headerLength, source);
        (Dictionary<string, SafeTensor> tensors, List<string> order) = ParseHeader(header, source);
        long dataLength = CheckTiling(tensors, order, source);
        if (length is long fileLength && fileLength - 8 - (long)headerLength != dataLength)
        {
            long actual = fileLength - 8 - (long)headerLength;
            throw Malformed(source, actual < dataLength
                ? (FormattableString)$"the file is truncated: its tensors need a data section of {dataLength:N0} bytes, {actual:N0} are there"
                : $"{actual - dataLength:N0} bytes follow the last tensor's data (the data section is {dataLength:N0} bytes)");
        }

        return new SafeTensorsFile(stream, source, 8 + (long)headerLength, dataLength, tensors, order);
    }

    /// <summary>
    /// Fills each destination with its tensor's elements from <c>FirstElement</c> on, widening F16 and BF16, in file
    /// order (the stream only moves forward); then checks that the file is as long as its header says. Reads must
    /// not overlap and must lie within their tensors.
    /// </summary>
    public void Read(List<(SafeTensor Tensor, long FirstElement, Memory<float> Destination)> reads)
    {
        reads.Sort((a, b) => Start(a.Tensor, a.FirstElement).CompareTo(Start(b.Tensor, b.FirstElement)));
        byte[] chunk = ArrayPool<byte>.Shared.Rent(ChunkBytes);
        try
        {
            foreach ((SafeTensor tensor, long first, Memory<float> destination) in reads)
            {
                int size = ElementSize(tensor.DType), count = destination.Length;
                SkipTo(Start(tensor, first), chunk);
                Span<float> target = destination.Span;
                if (tensor.DType == "F32" && BitConverter.IsLittleEndian)
                {
                    ReadExactly(MemoryMarshal.AsBytes(target), tensor.Name);
                    continue;
                }

                int perChunk = ChunkBytes / size;
                for (int done = 0; done < count; done += perChunk)
                {
                    int n = Math.Min(perChunk, count - done);
                    Span<byte> bytes = chunk.AsSpan(0, n * size);
                    ReadExactly(bytes, tensor.Name);
                    Convert(tensor.DType, bytes, target.Slice(done, n));
                }
            }

            SkipTo(_dataStart + DataLength, chunk);
            if (!_stream.CanSeek && _stream.Read(chunk, 0, 1) != 0)
            {
                throw Malformed(Source, $"bytes follow the last tensor's data (the data section is {DataLength:N0} bytes)");
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(chunk);
        }
    }

    private long Start(SafeTensor tensor, long firstElement) => _dataStart + tensor.Begin + (firstElement * ElementSize(tensor.DType));

    private static void Convert(string dtype, ReadOnlySpan<byte> bytes, Span<float> target)
    {
        for (int i = 0; i < target.Length; i++)
        {
            target[i] = dtype switch
            {
                "F16" => (float)BitConverter.UInt16BitsToHalf(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..])),
                // BF16 is the top half of a float32: widening is exact.
                "BF16" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) << 16),
                _ => BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]),
            };
        }
    }

    private void SkipTo(long position, byte[] chunk)
    {
        if (position == _position)
        {
            return;
        }

        if (_stream.CanSeek)
        {
            _stream.Seek(position - _position, SeekOrigin.Current);
            _position = position;
            return;
        }

        while (_position < position)
        {
            int n = _stream.Read(chunk, 0, (int)Math.Min(chunk.Length, position - _position));
            if (n == 0)
            {
                throw Malformed(Source, $"the file is truncated: its data section should be {DataLength:N0} bytes, it ends after {_position - _dataStart:N0}");
            }

            _position += n;
        }
    }

    private void ReadExactly(Span<byte> bytes, string tensor)
    {
        int got = ReadAtMost(_stream, bytes);
        _position += got;
        if (got < bytes.Length)
        {
            throw Malformed(Source, $"the file is truncated: it ends inside tensor '{tensor}' ({_position - _dataStart:N0} of {DataLength:N0} data bytes are there)");
        }
    }

    private static int ReadAtMost(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
            {
                break;
            }

            total += n;
        }

        return total;
    }

    /// <summary>Reads the header, growing the buffer only as bytes arrive, so a false length allocates nothing large.</summary>
    private static byte[] ReadHeader(Stream stream, int length, string source)
    {
        byte[] buffer = new byte[Math.Min(length, ChunkBytes)];
        int total = 0;
        while (total < length)
        {
            if (total == buffer.Length)
            {
                Array.Resize(ref buffer, (int)Math.Min(length, 2L * buffer.Length));
            }

            int n = stream.Read(buffer, total, buffer.Length - total);
            if (n == 0)
            {
                throw Malformed(source, $"the file is truncated: its header should be {length:N0} bytes, it ends after {total:N0}");
            }

            total += n;
        }

        return buffer;
    }

    private static (Dictionary<string, SafeTensor>, List<string>) ParseHeader(byte[] header, string source)
    {
        if (header.Length == 0 || header[0] != (byte)'{')
        {
            throw Malformed(source, $"the header is not a JSON object (it must start with '{{')");
        }

        // The JSON reader leaves strings undecoded until they are read; invalid UTF-8 would surface there as another
        // exception type, so the whole header is checked first.
        if (!Utf8.IsValid(header))
        {
            throw Malformed(source, $"the header is not valid UTF-8");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: not a valid safetensors file: the header is not valid JSON ({e.Message})", e);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Malformed(source, $"the header is not a JSON object");
            }

            var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
            var order = new List<string>();
            bool metadata = false;
            foreach (JsonProperty property in document.RootElement.EnumerateObject())
            {
                string name = property.Name;
                if (name == "__metadata__")
                {
                    if (metadata)
                    {
                        throw Malformed(source, $"the header has two '__metadata__' entries");
                    }

                    metadata = true;
                    CheckMetadata(property.Value, source);
                    continue;
                }

                if (tensors.ContainsKey(name))
                {
                    throw Malformed(source, $"the header names tensor '{name}' twice");
                }

                tensors.Add(name, ParseTensor(name, property.Value, source));
                order.Add(name);
            }

            return (tensors, order);
        }
    }

    private static void CheckMetadata(JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(source, $"'__metadata__' is not an object of strings");
        }

        foreach (JsonProperty entry in value.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw Malformed(source, $"'__metadata__' entry '{entry.Name}' is not a string");
            }
        }
    }

    private static SafeTensor ParseTensor(string name, JsonElement value, string source)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(source, $"tensor '{name}': its entry is not an object with dtype, shape and data_offsets");
        }

        string? dtype = null;
        long[]? shape = null, offsets = null;
        foreach (JsonProperty field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtype is null && field.Value.ValueKind == JsonValueKind.String:
                    dtype = field.Value.GetString()!;
                    break;
                case "shape" when shape is null:
                    shape = Integers(field.Value, name, "shape", source);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = Integers(field.Value, name, "data_offsets", source);
                    break;
                default:
                    throw Malformed(source, $"tensor '{name}': unexpected or repeated field '{field.Name}' (an entry has dtype, shape and data_offsets)");
            }
        }

        if (dtype is null || shape is null || offsets is null)
        {
            throw Malformed(source, $"tensor '{name}': the entry lacks {(dtype is null ? "dtype" : shape is null ? "shape" : "data_offsets")}");
        }

        int size = ElementSize(dtype);
        if (size == 0)
        {
            throw Malformed(source, $"tensor '{name}': unknown dtype '{dtype}'");
        }

        if (offsets.Length != 2 || offsets[0] > offsets[1])
        {
            throw Malformed(source, $"tensor '{name}': data_offsets {SafeTensor.Format(offsets)} are not a [begin, end] pair with begin <= end");
        }

        // The element count saturates just past what the bytes could hold: a mismatch either way, and no overflow
        // however many or large the dimensions.
        long bytes = offsets[1] - offsets[0];
        Int128 elements = 1;
        foreach (long dimension in shape)
        {
            elements = Int128.Min(elements * dimension, (Int128)bytes + 1);
        }

        if (elements * size != bytes)
        {
            string needs = elements > bytes
                ? FormattableString.Invariant($"more than {bytes:N0} bytes")
                : FormattableString.Invariant($"{elements * size:N0} bytes");
            throw Malformed(source, $"tensor '{name}': shape {SafeTensor.Format(shape)} of {dtype} needs {needs} but data_offsets {SafeTensor.Format(offsets)} hold {bytes:N0} bytes");
        }

        return new SafeTensor(name, dtype, shape, offsets[0], offsets[1]);
    }

    private static long[] Integers(JsonElement value, string name, string field, string source)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(source, $"tensor '{name}': {field} is not an array of integers");
        }

        var result = new long[value.GetArrayLength()];
        int i = 0;
        foreach (JsonElement item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out long n) || n < 0)
            {
                throw Malformed(source, $"tensor '{name}': {field} holds {item.GetRawText()}, not a non-negative integer");
            }

            result[i++] = n;
        }

        return result;
    }

    /// <summary>The tensors' byte ranges must tile [0, data length): sorted by begin, each starts where the last ended.</summary>
    private static long CheckTiling(Dictionary<string, SafeTensor> tensors, List<string> order, string source)
    {
        var sorted = new List<SafeTensor>(order.Count);
        foreach (string name in order)
        {
            sorted.Add(tensors[name]);
        }

        sorted.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long end = 0;
        SafeTensor? previous = null;
        foreach (SafeTensor tensor in sorted)
        {
            if (tensor.Begin != end)
            {
                throw Malformed(source, tensor.Begin < end
                    ? (FormattableString)$"tensors '{previous!.Name}' and '{tensor.Name}' overlap (bytes {tensor.Begin:N0}..{end:N0} of the data section)"
                    : $"no tensor covers bytes {end:N0}..{tensor.Begin:N0} of the data section (before '{tensor.Name}')");
            }

            end = tensor.End;
            previous = tensor;
        }

        return end;
    }

    /// <summary>The exception for a malformed file; numbers formatted the same in every culture.</summary>
    private static InvalidDataException Malformed(string source, FormattableString what) =>
        new($"{source}: not a valid safetensors file: {FormattableString.Invariant(what)}.");
}
