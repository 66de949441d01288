namespace CrossAttention;

/// <summary>Which implementation an attention call runs on this machine.</summary>
public enum KernelPath
{
    /// <summary>The generated code specialized to the shape (<c>Vector256</c>, AVX2 and FMA).</summary>
    Specialized,

    /// <summary>The generic fallback, vectorized with the portable vector APIs.</summary>
    GenericVector,

    /// <summary>The generic fallback, scalar (no vector hardware acceleration).</summary>
    GenericScalar,
}
