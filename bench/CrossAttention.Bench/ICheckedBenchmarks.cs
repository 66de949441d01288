using System;

namespace CrossAttention.Bench;

/// <summary>
/// A benchmark class whose bodies in one <c>[BenchmarkCategory]</c> all compute the same result into one buffer:
/// the smoke run checks every body against its category's baseline.
/// </summary>
internal interface ICheckedBenchmarks
{
    /// <summary>The buffer the benchmarks of <paramref name="category"/> write.</summary>
    Span<float> Output(string category);
}
