namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// The README's rule for which tiers a shape gets, written apart from the generator's planner: a wider tier where the
/// attention fills its vectors (a head at least one vector wide, and a whole vector of keys or every head in the lanes:
/// Lkv ≤ 8, 2 ≤ heads ≤ lanes, head size a multiple of the lanes up to 64, Lkv × heads × head vectors ≤ 128), or where
/// the projections do (D and KvDim at least one vector: the tier's projections, the narrower tier's attention); the
/// <c>Vector128</c> tier always.
/// </summary>
internal static class TierRule
{
    public static bool Fills(CrossAttentionShape s, int lanes) => AttentionFills(s, lanes) || ProjectionsFill(s, lanes);

    public static bool AttentionFills(CrossAttentionShape s, int lanes) =>
        s.HeadSize >= lanes
        && (s.Lkv >= lanes
            || (s.Lkv <= 8 && s.Heads >= 2 && s.Heads <= lanes && s.HeadSize % lanes == 0 && s.HeadSize <= 64
                && s.Lkv * s.Heads * (s.HeadSize / lanes) <= 128));

    public static bool ProjectionsFill(CrossAttentionShape s, int lanes) => s.D >= lanes && s.KvDim >= lanes;

    /// <summary>The path a class of <paramref name="shape"/> takes where <paramref name="widest"/> is the widest path the
    /// CPU (and its switches) allow: its own widest tier not wider than that, or the generic path itself.</summary>
    public static KernelPath TierFor(CrossAttentionShape shape, KernelPath widest) => widest switch
    {
        KernelPath.Specialized512 when Fills(shape, 16) => KernelPath.Specialized512,
        KernelPath.Specialized512 or KernelPath.Specialized256 when Fills(shape, 8) => KernelPath.Specialized256,
        KernelPath.Specialized512 or KernelPath.Specialized256 or KernelPath.Specialized128 => KernelPath.Specialized128,
        _ => widest,
    };
}
