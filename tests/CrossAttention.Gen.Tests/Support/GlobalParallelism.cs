using Xunit;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// Tests that change the process-wide degree of parallelism, and tests that count allocations (a call split over
/// threads that a concurrent test asked for would create the worker threads on the counting thread), never overlap.
/// </summary>
[CollectionDefinition(nameof(GlobalParallelism), DisableParallelization = true)]
public sealed class GlobalParallelism;
