namespace CrossAttention;

/// <summary>
/// Which implementation an attention call runs on this machine. A generated class takes the widest tier of its
/// generated code that the CPU accelerates, decided once at start-up; the runtime's own switches
/// (<c>DOTNET_EnableAVX512=0</c>, <c>DOTNET_EnableAVX2=0</c>, <c>DOTNET_EnableHWIntrinsic=0</c>) and
/// <c>CROSSATTENTION_FORCE_GENERIC=1</c> select the others.
/// </summary>
public enum KernelPath
{
    /// <summary>The generated code specialized to the shape, <c>Vector512</c> (AVX-512).</summary>
    Specialized512,

    /// <summary>The generated code specialized to the shape, <c>Vector256</c> (AVX2 and FMA).</summary>
    Specialized256,

    /// <summary>The generated code specialized to the shape, <c>Vector128</c> (ARM64 AdvSimd).</summary>
    Specialized128,

    /// <summary>The generic fallback, vectorized with the portable vector APIs.</summary>
    GenericVector,

    /// <summary>The generic fallback, scalar (no vector hardware acceleration).</summary>
    GenericScalar,
}

/// <summary>Questions about a <see cref="KernelPath"/>.</summary>
public static class KernelPaths
{
    /// <summary>True for the generated code of any width (<see cref="KernelPath.Specialized512"/>,
    /// <see cref="KernelPath.Specialized256"/>, <see cref="KernelPath.Specialized128"/>).</summary>
    public static bool IsSpecialized(this KernelPath path) =>
        path is KernelPath.Specialized512 or KernelPath.Specialized256 or KernelPath.Specialized128;
}
