using System;
using System.Collections.Generic;
using System.Numerics;
using System.Runtime.Intrinsics;
using CrossAttention.Kernels;
using Xunit;
#if !XUNIT_V3
using Xunit.Abstractions;
#endif

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// The float <c>exp</c> of every vector width and of the generic path, where it lives: a sweep over the whole range
/// of arguments with a normal result against <see cref="Math.Exp"/>, within the ulp bound the README claims, and the
/// edge cases (exactly 1 at ±0, 0 at −∞ and below the range, NaN at NaN, saturation above the range). Tiers this CPU
/// lacks run emulated in software, exactly. This file is also compiled into the kernel-test executable CI runs with
/// intrinsics switched off, so the software forms of each width's operations are checked too (not under QEMU: see .ci/run).
/// </summary>
public sealed class ExpTests
{
    /// <summary>The README's claim: within 1 ulp of the exact e^x, at every argument of the sweep.</summary>
    private const double UlpBound = 1.0;

    private readonly ITestOutputHelper _output;

    public ExpTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> Implementations => new() { "Vector128", "Vector256", "Vector512", "generic (Vector<T>)" };

    /// <summary>e^x of each element, through the named implementation, a whole vector at a time (the tail padded with 0).</summary>
    private static float[] Exp(string implementation, float[] x)
    {
        int lanes = implementation switch
        {
            "Vector128" => Vector128<float>.Count,
            "Vector256" => Vector256<float>.Count,
            "Vector512" => Vector512<float>.Count,
            _ => Vector<float>.Count,
        };
        var padded = new float[(x.Length + lanes - 1) / lanes * lanes];
        x.CopyTo(padded, 0);
        var result = new float[padded.Length];
        for (int i = 0; i < padded.Length; i += lanes)
        {
            switch (implementation)
            {
                case "Vector128": Vector128Primitives.Exp(Vector128.Create(padded.AsSpan(i, lanes))).CopyTo(result.AsSpan(i)); break;
                case "Vector256": Vector256Primitives.Exp(Vector256.Create(padded.AsSpan(i, lanes))).CopyTo(result.AsSpan(i)); break;
                case "Vector512": Vector512Primitives.Exp(Vector512.Create(padded.AsSpan(i, lanes))).CopyTo(result.AsSpan(i)); break;
                default: PortableMath.Exp(new Vector<float>(padded.AsSpan(i, lanes))).CopyTo(result.AsSpan(i)); break;
            }
        }

        return result[..x.Length];
    }

    /// <summary>
    /// Every 997th float (by bit pattern: about 8,400 in every binade, tiny magnitudes as densely as large ones) from the
    /// smallest argument with a normal result to the largest with a finite one, both ends included.
    /// </summary>
    private static float[] Sweep()
    {
        const int Step = 997;
        var values = new List<float>();
        for (uint magnitude = BitConverter.SingleToUInt32Bits(-ExpPolynomial.MinArgument); ; magnitude -= Step)
        {
            values.Add(-BitConverter.UInt32BitsToSingle(magnitude));
            if (magnitude < Step)
            {
                break;
            }
        }

        for (uint bits = 0; bits <= BitConverter.SingleToUInt32Bits(ExpPolynomial.MaxArgument); bits += Step)
        {
            values.Add(BitConverter.UInt32BitsToSingle(bits));
        }

        values.Add(ExpPolynomial.MinArgument);
        values.Add(ExpPolynomial.MaxArgument);
        return values.ToArray();
    }

    private static readonly float[] Arguments = Sweep();

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Exp_is_within_the_ulp_bound_over_the_whole_range(string implementation)
    {
        float[] results = Exp(implementation, Arguments);
        double worst = 0;
        float worstAt = 0;
        for (int i = 0; i < Arguments.Length; i++)
        {
            double exact = Math.Exp(Arguments[i]);
            float nearest = (float)exact;
            double ulp = MathF.BitIncrement(nearest) - nearest;
            double error = Math.Abs(results[i] - exact) / ulp;
            if (!(error <= worst))
            {
                worst = error;
                worstAt = Arguments[i];
            }
        }

        _output.WriteLine($"{implementation}: {Arguments.Length:N0} arguments, worst {worst:F3} ulp at x = {worstAt:R}");
        Assert.True(worst <= UlpBound, $"{implementation}: {worst:F3} ulp at x = {worstAt:R} (bound {UlpBound})");
    }

    [Theory]
    [MemberData(nameof(Implementations))]
    public void Exp_has_exact_edges(string implementation)
    {
        float[] x =
        [
            0f, -0f, float.NegativeInfinity, float.NaN, -float.NaN,
            BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(ExpPolynomial.MinArgument) + 1), -100f, -1e30f, float.MinValue,
            MathF.BitIncrement(ExpPolynomial.MaxArgument), 100f, 1e30f, float.MaxValue, float.PositiveInfinity,
            ExpPolynomial.MaxArgument,
        ];
        float[] e = Exp(implementation, x);
        Assert.Equal(1f, e[0]);
        Assert.Equal(1f, e[1]);
        Assert.Equal(0f, e[2]);
        Assert.True(float.IsNaN(e[3]) && float.IsNaN(e[4]), $"{implementation}: NaN gave {e[3]}, {e[4]}");
        for (int i = 5; i <= 8; i++)
        {
            Assert.True(e[i] == 0f, $"{implementation}: exp({x[i]:R}) = {e[i]:R}, expected 0 below the range");
        }

        float saturated = e[14];
        Assert.True(float.IsFinite(saturated) && Math.Abs(saturated - Math.Exp(88)) / Math.Exp(88) < 1e-6, $"{implementation}: exp(88) = {saturated:R}");
        for (int i = 9; i <= 13; i++)
        {
            Assert.True(e[i] == saturated, $"{implementation}: exp({x[i]:R}) = {e[i]:R}, expected exp(88) = {saturated:R} above the range");
        }
    }
}
