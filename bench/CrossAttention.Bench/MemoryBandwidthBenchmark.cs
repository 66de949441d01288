using System;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using BenchmarkDotNet.Attributes;

namespace CrossAttention.Bench;

/// <summary>
/// This core's memory read bandwidth, measured in the same run as the kernels for SPEC §9's decoder-step target
/// ("within 1.5× of the time to read Wq and Wo once at the memory bandwidth"): one call sums a float array far larger
/// than any cache with <c>Vector256</c> loads into eight independent accumulators, so the loads, not the add latency,
/// bound it.
/// </summary>
/// <remarks>
/// 1 GiB: this VM reports a 508 MB L3 (the host's), and a core reaches at most its own CCD's 32–96 MB of it, so no
/// part of the array is still cached when the next call reaches it. The array is pinned and the sum starts at a
/// 32-byte boundary, so no load splits a cache line.
/// </remarks>
public class MemoryBandwidthBenchmark
{
    /// <summary>Bytes read per call.</summary>
    internal const long BytesPerCall = 1L << 30;

    private const int Count = (int)(BytesPerCall / sizeof(float));
    private const int FloatsPerStep = 8 * 8;

    private float[] _data = null!;
    private int _start;

    [GlobalSetup]
    public void Setup()
    {
        // Writing every element also maps every page before timing starts. Values in [0, 1) keep the sums finite.
        _data = GC.AllocateUninitializedArray<float>(Count + 8, pinned: true);
        for (int i = 0; i < _data.Length; i++)
        {
            _data[i] = (i & 1023) / 1024f;
        }

        GCHandle handle = GCHandle.Alloc(_data, GCHandleType.Pinned);
        long address = handle.AddrOfPinnedObject();
        handle.Free(); // the array lives on the pinned object heap: it never moves
        _start = (int)((32 - (address % 32)) % 32 / sizeof(float));
    }

    [Benchmark]
    public float MemoryBandwidth()
    {
        ref float start = ref _data[_start];
        Vector256<float> s0 = Vector256<float>.Zero, s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;

        // An int-counted loop with no call inside: no GC poll, no spills (SPEC §9 notes).
        for (int i = 0; i < Count; i += FloatsPerStep)
        {
            s0 += Vector256.LoadUnsafe(ref start, (nuint)i);
            s1 += Vector256.LoadUnsafe(ref start, (nuint)(i + 8));
            s2 += Vector256.LoadUnsafe(ref start, (nuint)(i + 16));
            s3 += Vector256.LoadUnsafe(ref start, (nuint)(i + 24));
            s4 += Vector256.LoadUnsafe(ref start, (nuint)(i + 32));
            s5 += Vector256.LoadUnsafe(ref start, (nuint)(i + 40));
            s6 += Vector256.LoadUnsafe(ref start, (nuint)(i + 48));
            s7 += Vector256.LoadUnsafe(ref start, (nuint)(i + 56));
        }

        return Vector256.Sum((s0 + s1) + (s2 + s3) + ((s4 + s5) + (s6 + s7)));
    }
}
