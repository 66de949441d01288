using System;

namespace CrossAttention.Bench;

/// <summary>
/// A benchmark class whose bodies in one <c>[BenchmarkCategory]</c> all compute the same result into the same
/// buffers: the smoke run checks every body against its category's baseline.
/// </summary>
internal interface ICheckedBenchmarks
{
    /// <summary>How many buffers the benchmarks of <paramref name="category"/> write (an output; or keys and values).</summary>
    int OutputCount(string category) => 1;

    /// <summary>Buffer <paramref name="index"/> (0 … <see cref="OutputCount"/> − 1) the benchmarks of <paramref name="category"/> write.</summary>
    Span<float> Output(string category, int index);
}
