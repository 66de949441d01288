using System;
using System.Linq;
using System.Runtime.Intrinsics;
using CrossAttention.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// The reductions generated code inlines, on every width, where they live: <c>Reduce</c> (one accumulator per output
/// lane, each summed across its lanes), <c>Reduce4</c>, <c>Reduce8</c>, <c>ReduceHalves</c>, <c>HorizontalSum</c> and <c>HorizontalMax</c>, and the group steps of two heads a vector. Inputs are small
/// integers, whose sums are exact in any order, so every lane is compared exactly and a sum that pairs the wrong lanes,
/// drops one or takes one twice is caught. Each primitive has a branch per instruction set; this file is also compiled
/// into the kernel-test executable CI runs with AVX2, then every intrinsic, switched off, and on ARM64, so each branch runs.
/// </summary>
public sealed class PrimitiveTests
{
    public static TheoryData<int> Widths => new() { 128, 256, 512 };

    /// <summary>Seeds of the random inputs: several, so a lane that happens to hold the right sum by chance is not enough.</summary>
    private static readonly int[] Seeds = [1, 2, 3, 42, 2026];

    /// <summary><paramref name="count"/> vectors of <paramref name="lanes"/> distinct-looking integers in [−1000, 1000].</summary>
    private static float[][] Accumulators(int seed, int count, int lanes)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => Enumerable.Range(0, lanes).Select(_ => (float)random.Next(-1000, 1001)).ToArray()).ToArray();
    }

    private static float[] LaneSums(float[][] accumulators) => accumulators.Select(a => a.Sum()).ToArray();

    [Theory]
    [MemberData(nameof(Widths))]
    public void Reduce_puts_the_sum_of_accumulator_t_in_lane_t(int width)
    {
        int lanes = width / 32;
        foreach (int seed in Seeds)
        {
            float[][] a = Accumulators(seed, lanes, lanes);
            float[] reduced = width switch
            {
                128 => Vector128Primitives.Reduce(V128(a[0]), V128(a[1]), V128(a[2]), V128(a[3])).ToArray(),
                256 => Vector256Primitives.Reduce(V256(a[0]), V256(a[1]), V256(a[2]), V256(a[3]), V256(a[4]), V256(a[5]), V256(a[6]), V256(a[7])).ToArray(),
                _ => Vector512Primitives.Reduce(V512(a[0]), V512(a[1]), V512(a[2]), V512(a[3]), V512(a[4]), V512(a[5]), V512(a[6]), V512(a[7]),
                                                V512(a[8]), V512(a[9]), V512(a[10]), V512(a[11]), V512(a[12]), V512(a[13]), V512(a[14]), V512(a[15])).ToArray(),
            };
            Assert.Equal(LaneSums(a), reduced);
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void Reduce4_puts_the_sum_of_each_of_four_accumulators_in_its_lane(int width)
    {
        int lanes = width / 32;
        foreach (int seed in Seeds)
        {
            float[][] a = Accumulators(seed, 4, lanes);
            Vector128<float> reduced = width switch
            {
                128 => Vector128Primitives.Reduce4(V128(a[0]), V128(a[1]), V128(a[2]), V128(a[3])),
                256 => Vector256Primitives.Reduce4(V256(a[0]), V256(a[1]), V256(a[2]), V256(a[3])),
                _ => Vector512Primitives.Reduce4(V512(a[0]), V512(a[1]), V512(a[2]), V512(a[3])),
            };
            Assert.Equal(LaneSums(a), reduced.ToArray());
        }
    }

    [Fact]
    public void Reduce8_puts_the_sum_of_each_of_eight_512_bit_accumulators_in_its_lane()
    {
        foreach (int seed in Seeds)
        {
            float[][] a = Accumulators(seed, 8, 16);
            Vector256<float> reduced = Vector512Primitives.Reduce8(V512(a[0]), V512(a[1]), V512(a[2]), V512(a[3]),
                                                                   V512(a[4]), V512(a[5]), V512(a[6]), V512(a[7]));
            Assert.Equal(LaneSums(a), reduced.ToArray());
        }
    }

    [Fact]
    public void The_512_bit_reductions_sum_each_accumulator_in_one_order()
    {
        // Random floats, whose sums depend on the order: a projection's rows take Reduce4, Reduce8 or Reduce by the block
        // they fall in, and a row must come out the same bits in any block (a batch item alone, or on another thread).
        var random = new Random(11);
        Vector512<float>[] a = Enumerable.Range(0, 16).Select(_ => Vector512.Create(Enumerable.Range(0, 16).Select(_ => (float)(random.NextDouble() - 0.5) * 1000f).ToArray())).ToArray();
        float[] all = Vector512Primitives.Reduce(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]).ToArray();
        float[] eights = [.. Vector512Primitives.Reduce8(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]).ToArray(),
                          .. Vector512Primitives.Reduce8(a[8], a[9], a[10], a[11], a[12], a[13], a[14], a[15]).ToArray()];
        float[] fours = Enumerable.Range(0, 4).SelectMany(g => Vector512Primitives.Reduce4(a[4 * g], a[(4 * g) + 1], a[(4 * g) + 2], a[(4 * g) + 3]).ToArray()).ToArray();
        Assert.Equal(all, eights);
        Assert.Equal(all, fours);
    }

    [Fact]
    public void ReduceHalves_puts_the_sum_of_half_g_of_accumulator_t_in_lane_8g_plus_t()
    {
        foreach (int seed in Seeds)
        {
            float[][] a = Accumulators(seed, 8, 16);
            float[] expected = Enumerable.Range(0, 16).Select(lane => a[lane % 8].Skip(8 * (lane / 8)).Take(8).Sum()).ToArray();
            Vector512<float> reduced = Vector512Primitives.ReduceHalves(V512(a[0]), V512(a[1]), V512(a[2]), V512(a[3]),
                                                                        V512(a[4]), V512(a[5]), V512(a[6]), V512(a[7]));
            Assert.Equal(expected, reduced.ToArray());
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    public void GroupMax_and_GroupSum_give_each_lane_its_aligned_group_s_max_and_sum(int group)
    {
        foreach (int seed in Seeds)
        {
            float[] x = Accumulators(seed, 1, 16)[0];
            float[] max = Enumerable.Range(0, 16).Select(lane => x.Skip(lane / group * group).Take(group).Max()).ToArray();
            float[] sum = Enumerable.Range(0, 16).Select(lane => x.Skip(lane / group * group).Take(group).Sum()).ToArray();
            Assert.Equal(max, Vector512Primitives.GroupMax(V512(x), group).ToArray());
            Assert.Equal(sum, Vector512Primitives.GroupSum(V512(x), group).ToArray());
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(16)]
    [InlineData(-1)]
    public void GroupMax_and_GroupSum_refuse_a_group_that_is_not_1_2_4_or_8(int group)
    {
        Vector512<float> x = Vector512<float>.One;
        Assert.Equal("group", Assert.Throws<ArgumentOutOfRangeException>(() => Vector512Primitives.GroupMax(x, group)).ParamName);
        Assert.Equal("group", Assert.Throws<ArgumentOutOfRangeException>(() => Vector512Primitives.GroupSum(x, group)).ParamName);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(8)]
    public void BroadcastHalves_refuses_a_lane_past_a_half(int lane) =>
        Assert.Equal("lane", Assert.Throws<ArgumentOutOfRangeException>(() => Vector512Primitives.BroadcastHalves(Vector512<float>.One, lane)).ParamName);

    [Fact]
    public void BroadcastHalves_spreads_lane_t_over_the_first_half_and_lane_8_plus_t_over_the_second()
    {
        float[] x = Accumulators(7, 1, 16)[0];
        for (int lane = 0; lane < 8; lane++)
        {
            float[] expected = Enumerable.Range(0, 16).Select(t => x[t < 8 ? lane : 8 + lane]).ToArray();
            Assert.Equal(expected, Vector512Primitives.BroadcastHalves(V512(x), lane).ToArray());
        }
    }

    [Theory]
    [MemberData(nameof(Widths))]
    public void HorizontalSum_adds_every_lane(int width)
    {
        int lanes = width / 32;
        foreach (int seed in Seeds)
        {
            float[] a = Accumulators(seed, 1, lanes)[0];
            float sum = width switch
            {
                128 => Vector128Primitives.HorizontalSum(V128(a)),
                256 => Vector256Primitives.HorizontalSum(V256(a)),
                _ => Vector512Primitives.HorizontalSum(V512(a)),
            };
            Assert.Equal(a.Sum(), sum);
        }
    }

    /// <summary>The largest lane wherever it is, among values that are all negative or of mixed signs, and −∞ elsewhere.</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void HorizontalMax_finds_the_largest_lane_wherever_it_is(int width)
    {
        int lanes = width / 32;
        foreach (float offset in new[] { 0f, -5000f })
        {
            for (int at = 0; at < lanes; at++)
            {
                // Lanes descend away from the maximum, so every other lane is a near miss.
                float[] a = Enumerable.Range(0, lanes).Select(i => offset - (Math.Abs(i - at) * 3) - ((i + at) % 2)).ToArray();
                a[at] = offset + 1;
                Assert.Equal(offset + 1, HorizontalMax(width, a));

                float[] alone = Enumerable.Repeat(float.NegativeInfinity, lanes).ToArray();
                alone[at] = offset;
                Assert.Equal(offset, HorizontalMax(width, alone));
            }
        }

        Assert.Equal(float.NegativeInfinity, HorizontalMax(width, Enumerable.Repeat(float.NegativeInfinity, lanes).ToArray()));
    }

    /// <summary>The <c>Vector128</c> overloads every width carries (a row of four scores).</summary>
    [Theory]
    [MemberData(nameof(Widths))]
    public void HorizontalMax_of_four_lanes_on_every_width(int width)
    {
        for (int at = 0; at < 4; at++)
        {
            float[] a = [-7f, -3f, -9f, -4f];
            a[at] = 2f;
            float max = width switch
            {
                128 => Vector128Primitives.HorizontalMax(V128(a)),
                256 => Vector256Primitives.HorizontalMax(V128(a)),
                _ => Vector512Primitives.HorizontalMax(V128(a)),
            };
            Assert.Equal(2f, max);
        }
    }

    private static float HorizontalMax(int width, float[] a) => width switch
    {
        128 => Vector128Primitives.HorizontalMax(V128(a)),
        256 => Vector256Primitives.HorizontalMax(V256(a)),
        _ => Vector512Primitives.HorizontalMax(V512(a)),
    };

    private static Vector128<float> V128(float[] a) => Vector128.Create(a);

    private static Vector256<float> V256(float[] a) => Vector256.Create(a);

    private static Vector512<float> V512(float[] a) => Vector512.Create(a);
}

internal static class VectorArrays
{
    public static float[] ToArray(this Vector128<float> v)
    {
        var a = new float[Vector128<float>.Count];
        v.CopyTo(a);
        return a;
    }

    public static float[] ToArray(this Vector256<float> v)
    {
        var a = new float[Vector256<float>.Count];
        v.CopyTo(a);
        return a;
    }

    public static float[] ToArray(this Vector512<float> v)
    {
        var a = new float[Vector512<float>.Count];
        v.CopyTo(a);
        return a;
    }
}
