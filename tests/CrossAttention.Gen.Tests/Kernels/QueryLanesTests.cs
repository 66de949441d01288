using System;
using CrossAttention.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// The query-lanes kernel's entry points, which generated code calls with the scratch its plan sized: a size short of
/// what the kernel needs (a generator bug) throws before anything is written, on every width; the exact size runs,
/// matches the float64 reference at every head size a width takes (each register block of the weighted sum's columns
/// and its last columns), and writes nothing past the scratch it was given.
/// </summary>
public sealed class QueryLanesTests
{
    private delegate void Entry(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep,
                                ref float scratch, int scratchLength, int lq, int lkv, int d, int kvStride, int headSize, float scale, bool causal);

    public static TheoryData<int> Widths => new() { 512, 256, 128 };

    /// <summary>Every width with head sizes of whole pairs of its vectors: 6-column blocks on AVX2 leave 0, 2 or 4 columns.</summary>
    public static TheoryData<int, int> HeadSizes
    {
        get
        {
            var data = new TheoryData<int, int>();
            foreach (int bits in new[] { 512, 256, 128 })
            {
                foreach (int headSize in new[] { 8, 16, 24, 32, 48, 64, 80, 96, 128 })
                {
                    if (headSize % (2 * bits / 32) == 0)
                    {
                        data.Add(bits, headSize);
                    }
                }
            }

            return data;
        }
    }

    [Theory]
    [MemberData(nameof(HeadSizes))]
    public void One_head_matches_the_reference_and_writes_nothing_past_its_scratch(int bits, int headSize)
    {
        // A whole block of rows and 3 more, a head of 2 in a row of 2 · headSize, masked keys whose value rows are NaN.
        int lanes = bits / 32, lq = (2 * lanes) + 3, lkv = 37, d = 2 * headSize;
        (Entry entry, int needed) = Kernel(bits, lkv, headSize);
        var random = new Random((bits * 1000) + headSize);
        float[] q = Support.Data.Uniform(random, lq * d), k = Support.Data.Uniform(random, lkv * d), v = Support.Data.Uniform(random, lkv * d);
        var mask = new bool[lkv];
        var keep = new int[lkv];
        for (int j = 0; j < lkv; j++)
        {
            mask[j] = j % 5 != 3;
            keep[j] = mask[j] ? -1 : 0;
            if (!mask[j])
            {
                Array.Fill(v, float.NaN, j * d, headSize);
            }
        }

        const float Sentinel = 12345f;
        var scratch = new float[needed + 64];
        Array.Fill(scratch, Sentinel, needed, 64);
        var output = new float[lq * d];
        float unused = 0f, scale = 1f / MathF.Sqrt(headSize);
        entry(ref q[0], ref k[0], ref v[0], ref output[0], ref unused, false, ref keep[0], ref scratch[0], needed, lq, lkv, d, d, headSize, scale, false);

        Assert.All(scratch[needed..], value => Assert.Equal(Sentinel, value));
        var shape = new CrossAttentionShape(lq, lkv, headSize, 1);
        double[] expected = Support.Reference.Attend(shape, Columns(q, lq, d, headSize), Columns(k, lkv, d, headSize), Columns(v, lkv, d, headSize), mask).Output;
        Support.Tolerance.Close(expected, Columns(output, lq, d, headSize), $"{bits}-bit kernel, head size {headSize}");
        Assert.All(Columns(output, lq, d, headSize, headSize), value => Assert.Equal(0f, value));
    }

    /// <summary>Columns [from, from + count) of each row of a [rows, d] matrix, packed.</summary>
    private static float[] Columns(float[] matrix, int rows, int d, int count, int from = 0)
    {
        var packed = new float[rows * count];
        for (int r = 0; r < rows; r++)
        {
            Array.Copy(matrix, (r * d) + from, packed, r * count, count);
        }

        return packed;
    }

    private static (Entry Entry, int Needed) Kernel(int bits, int lkv, int headSize) => bits switch
    {
        512 => (Vector512Primitives.AttendQueryLanes, QueryLanesAttention<Width512, System.Runtime.Intrinsics.Vector512<float>>.ScratchLength(lkv, headSize)),
        256 => (Vector256Primitives.AttendQueryLanes, QueryLanesAttention<Width256, System.Runtime.Intrinsics.Vector256<float>>.ScratchLength(lkv, headSize)),
        _ => (Vector128Primitives.AttendQueryLanes, QueryLanesAttention<Width128, System.Runtime.Intrinsics.Vector128<float>>.ScratchLength(lkv, headSize)),
    };

    [Theory]
    [MemberData(nameof(Widths))]
    public void Scratch_short_of_what_the_kernel_needs_throws_and_writes_nothing(int bits)
    {
        const int lq = 20, lkv = 70, headSize = 32, d = 64;
        (Entry entry, int needed) = Kernel(bits, lkv, headSize);
        var random = new Random(bits);
        float[] q = Support.Data.Uniform(random, lq * d), k = Support.Data.Uniform(random, lkv * d), v = Support.Data.Uniform(random, lkv * d);
        var keep = new int[lkv];
        Array.Fill(keep, -1);
        var scratch = new float[needed];
        float unused = 0f;

        var output = new float[lq * d];
        var error = Assert.Throws<InvalidOperationException>(() =>
            entry(ref q[0], ref k[0], ref v[0], ref output[0], ref unused, false, ref keep[0], ref scratch[0], needed - 1, lq, lkv, d, d, headSize, 0.25f, false));
        Assert.Contains($"{needed - 1} floats", error.Message);
        Assert.Contains($"need {needed}", error.Message);
        Assert.All(output, value => Assert.Equal(0f, value));

        entry(ref q[0], ref k[0], ref v[0], ref output[0], ref unused, false, ref keep[0], ref scratch[0], needed, lq, lkv, d, d, headSize, 0.25f, false);
        for (int i = 0; i < lq; i++)
        {
            Assert.True(float.IsFinite(output[i * d]) && output[i * d] != 0f, $"row {i} was computed");
        }
    }
}
