using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using CrossAttention.Gen.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace CrossAttention.Gen.Tests.Loading;

/// <summary>
/// The checkpoints of Models/ mutated thousands of times — truncated, bytes flipped anywhere or in the header, header
/// text edited (digits changed, characters deleted or repeated, tokens inserted), header lengths changed, bytes
/// appended — and loaded from a seekable and a forward-only stream: each load either succeeds or throws
/// <see cref="InvalidDataException"/>. Any other exception (an out-of-range read, an overflow, a null) fails, as does
/// a load that allocates more than the file's size justifies.
/// </summary>
public sealed class CheckpointFuzzTests(ITestOutputHelper output)
{
    private const int MutationsPerFile = 1500;

    /// <summary>What a load may allocate: the weights (a BF16 file's floats are twice its bytes), the parsed header and
    /// the tables built from it, each a small multiple of the file's size, plus a fixed amount for buffers.</summary>
    private static long AllocationBound(int fileLength) => (6L * fileLength) + (256 * 1024);

    public static TheoryData<string> Files => new(CheckpointFixture.Names);

    [Theory]
    [MemberData(nameof(Files))]
    public void A_mutated_checkpoint_loads_or_throws_InvalidDataException_and_allocates_what_its_size_justifies(string name)
    {
        CheckpointFixture fixture = CheckpointFixture.Load(name);
        byte[] original = File.ReadAllBytes(fixture.FilePath);
        int headerEnd = 8 + (int)BitConverter.ToUInt64(original, 0);
        var random = new Random(name.Length * 7919);
        var outcomes = new Dictionary<string, int>();
        long mostAllocated = 0;
        for (int i = 0; i < MutationsPerFile; i++)
        {
            (string mutation, byte[] file) = Mutate(original, headerEnd, random);
            foreach (bool seekable in new[] { true, false })
            {
                Stream stream = seekable ? new MemoryStream(file, writable: false) : new ForwardOnlyStream(file, maxRead: 4096);
                long before = GC.GetAllocatedBytesForCurrentThread();
                string outcome;
                try
                {
                    CrossAttentionWeights.Load(stream, fixture.Shape, fixture.Prefix);
                    outcome = "loaded";
                }
                catch (InvalidDataException e)
                {
                    outcome = Kind(e.Message);
                }
                catch (Exception e)
                {
                    throw new XunitException($"{name}, mutation {i} ({mutation}, {(seekable ? "seekable" : "forward-only")}): {e.GetType().Name} instead of InvalidDataException: {e}");
                }

                long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
                mostAllocated = Math.Max(mostAllocated, allocated);
                if (allocated > AllocationBound(file.Length))
                {
                    throw new XunitException($"{name}, mutation {i} ({mutation}): allocated {allocated:N0} bytes for a file of {file.Length:N0}");
                }

                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
        }

        // The mutations reach both outcomes and many distinct checks, or the test proves little.
        string summary = $"{name} ({original.Length:N0} bytes): {MutationsPerFile} mutations × 2 streams; most allocated by one load "
                         + $"{mostAllocated:N0} bytes; outcomes {string.Join(", ", outcomes.OrderByDescending(o => o.Value).Select(o => $"{o.Key}: {o.Value}"))}";
        output.WriteLine(summary);
        Assert.True(outcomes.GetValueOrDefault("loaded") > 0 && outcomes.Count >= 8, summary);
    }

    private static (string, byte[]) Mutate(byte[] original, int headerEnd, Random random)
    {
        byte[] file = (byte[])original.Clone();
        switch (random.Next(8))
        {
            case 0:
                int length = random.Next(original.Length);
                return ($"truncated to {length}", file[..length]);
            case 1:
                for (int n = random.Next(1, 9); n > 0; n--)
                {
                    file[random.Next(file.Length)] ^= (byte)(1 << random.Next(8));
                }

                return ("bits flipped anywhere", file);
            case 2:
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    file[8 + random.Next(headerEnd - 8)] = (byte)random.Next(256);
                }

                return ("header bytes replaced", file);
            case 3:
            {
                int[] digits = Enumerable.Range(8, headerEnd - 8).Where(i => char.IsAsciiDigit((char)file[i])).ToArray();
                for (int n = random.Next(1, 4); n > 0; n--)
                {
                    file[digits[random.Next(digits.Length)]] = (byte)('0' + random.Next(10));
                }

                return ("header digits changed", file);
            }
            case 4:
                return ("header text edited", EditHeader(original, headerEnd, random));
            case 5:
            {
                ulong header = (ulong)(headerEnd - 8);
                ulong value = random.Next(3) switch
                {
                    0 => (ulong)((long)header + random.Next(-16, 17)),
                    1 => (ulong)random.NextInt64(),
                    _ => (ulong)random.Next(original.Length * 2),
                };
                BitConverter.TryWriteBytes(file.AsSpan(0, 8), value);
                return ($"header length {value}", file);
            }
            case 6:
                return ("bytes appended", [.. file, .. Enumerable.Range(0, random.Next(1, 64)).Select(_ => (byte)random.Next(256))]);
            default:
                for (int n = random.Next(1, 9); n > 0; n--)
                {
                    file[headerEnd + random.Next(file.Length - headerEnd)] = (byte)random.Next(256);
                }

                return ("data bytes replaced", file);
        }
    }

    /// <summary>Deletes, repeats or inserts a piece of the header text, fixing the header length to match.</summary>
    private static byte[] EditHeader(byte[] original, int headerEnd, Random random)
    {
        string header = Encoding.UTF8.GetString(original, 8, headerEnd - 8);
        int at = random.Next(header.Length);
        int span = Math.Min(random.Next(1, 24), header.Length - at);
        string[] tokens = ["{", "}", "[", "]", ",", ":", "\"", "-1", "1e300", "null", "\"F32\"", "\"x\":{}", "\"data_offsets\":[0,0]", "0.5", "\\u0000"];
        header = random.Next(3) switch
        {
            0 => header.Remove(at, span),
            1 => header.Insert(at, header.Substring(at, span)),
            _ => header.Insert(at, tokens[random.Next(tokens.Length)]),
        };
        return SafeTensorsWriter.Assemble(header, original[headerEnd..]);
    }

    /// <summary>The kind of failure: the message without its source, names and numbers, so outcomes can be counted.</summary>
    private static string Kind(string message)
    {
        string what = message[(message.IndexOf(": ", StringComparison.Ordinal) + 2)..].Replace("not a valid safetensors file: ", "", StringComparison.Ordinal);
        what = Regex.Replace(Regex.Replace(what, "'[^']*'", "'…'"), @"(?<!UTF-)\d[\d,.]*", "N");
        int end = what.IndexOfAny(['(', ';']);
        return (end < 0 ? what : what[..end]).Trim();
    }
}
