using System;
using System.Collections.Generic;
using System.Linq;
using BenchmarkDotNet.Attributes;
using CrossAttention.Kernels;

namespace CrossAttention.Bench;

/// <summary>
/// Every tier generated for the SPEC §8 shapes that this CPU runs in hardware, side by side: <c>Attend</c> and
/// <c>Forward</c> at batch 1 on each tier's code, whichever the CPU would pick by itself (the default path is one of
/// them; <c>AttendBenchmarks</c> and <c>ForwardBenchmarks</c> set it against the generic path and ONNX Runtime). A tier
/// a shape does not fill is not generated for it (its CPUs run the narrower tier), and one this CPU lacks would only
/// be emulated in software: neither is measured.
/// </summary>
[MemoryDiagnoser]
public class TierBenchmarks
{
    private ICrossAttention _kernel = null!;
    private AttendCase _attend = null!;
    private LayerCase _layer = null!;
    private bool _forward;

    /// <summary>"shape call tier" for every shape, call and tier measured here.</summary>
    public static IEnumerable<string> Cases() =>
        from shape in BenchShapes.All
        from tier in Accelerated(shape.Shape)
        from call in new[] { "Attend", "Forward" }
        select $"{shape.Name} {call} {tier}";

    [ParamsSource(nameof(Cases))]
    public string Case { get; set; } = Cases().FirstOrDefault() ?? "";

    /// <summary>The tiers of the shape's generated kernel this CPU accelerates, widest first.</summary>
    internal static IEnumerable<KernelPath> Accelerated(CrossAttentionShape shape) =>
        CrossAttentionKernels.Resolve(shape) is ITieredKernel tiered
            ? tiered.Tiers.Where(tier => tier switch
            {
                KernelPath.Specialized512 => Vector512Primitives.IsSupported,
                KernelPath.Specialized256 => Vector256Primitives.IsSupported,
                _ => Vector128Primitives.IsSupported,
            })
            : [];

    [GlobalSetup]
    public void Setup()
    {
        if (Case.Length == 0)
        {
            return; // no tier runs in hardware here (a forced generic run): nothing to measure
        }

        string[] parts = Case.Split(' ');
        BenchShape shape = BenchShapes.All.Single(s => s.Name == parts[0]);
        _forward = parts[1] == "Forward";
        _kernel = ((ITieredKernel)CrossAttentionKernels.Resolve(shape.Shape)).OnTier(Enum.Parse<KernelPath>(parts[2]));
        _attend = new AttendCase(shape.Shape);
        _layer = new LayerCase(shape.Shape, _kernel.ProjectContext);
    }

    [Benchmark]
    public float Tier()
    {
        if (_kernel is null)
        {
            return 0f;
        }

        if (_forward)
        {
            _kernel.Forward(_layer.Queries, _layer.Context, _layer.Weights, _layer.Output);
            return _layer.Output.Span[0];
        }

        _kernel.Attend(_attend.Q, _attend.K, _attend.V, _attend.Output);
        return _attend.Output.Span[0];
    }
}
