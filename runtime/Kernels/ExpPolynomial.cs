namespace CrossAttention.Kernels;

/// <summary>
/// The float <c>exp</c> every vector width computes (<see cref="Vector128Primitives.Exp"/>,
/// <see cref="Vector256Primitives.Exp"/>, <see cref="Vector512Primitives.Exp"/>, and the generic path's
/// <see cref="PortableMath.Exp"/>): e^x = 2^n · e^r with n = round(x / ln 2) and r = x − n·ln 2 in [−ln2/2, ln2/2]
/// (a Cody–Waite split of ln 2, so n·<see cref="Ln2Hi"/> is exact), e^r by the Cephes degree-5 minimax polynomial:
/// within 1 ulp over the float range (ExpTests sweeps every tier: worst 0.975 ulp). Exactly 1 at 0, 0 below <see cref="MinArgument"/> (and for −∞), NaN for NaN,
/// saturating at e^<see cref="MaxArgument"/> above.
/// </summary>
internal static class ExpPolynomial
{
    public const float Log2E = 1.44269504088896341f;
    public const float Ln2Hi = 0.693359375f;
    public const float Ln2Lo = -2.12194440e-4f;
    public const float P0 = 1.9875691500e-4f;
    public const float P1 = 1.3981999507e-3f;
    public const float P2 = 8.3334519073e-3f;
    public const float P3 = 4.1665795894e-2f;
    public const float P4 = 1.6666665459e-1f;
    public const float P5 = 5.0000001201e-1f;

    /// <summary>Smallest argument whose result is a normal float; below it the result is 0.</summary>
    public const float MinArgument = -87.33654f;

    /// <summary>Largest argument whose result is finite.</summary>
    public const float MaxArgument = 88f;
}
