using System;
using CrossAttention.Kernels;
using Xunit;

namespace CrossAttention.Gen.Tests.Kernels;

/// <summary>
/// The query-lanes kernel's entry points, which generated code calls with the scratch its plan sized: a size short of
/// what the kernel needs (a generator bug) throws before anything is written, on every width; the exact size runs.
/// </summary>
public sealed class QueryLanesTests
{
    private delegate void Entry(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep,
                                ref float scratch, int scratchLength, int lq, int lkv, int d, int kvStride, int headSize, float scale, bool causal);

    public static TheoryData<int> Widths => new() { 512, 256, 128 };

    [Theory]
    [MemberData(nameof(Widths))]
    public void Scratch_short_of_what_the_kernel_needs_throws_and_writes_nothing(int bits)
    {
        const int lq = 20, lkv = 70, headSize = 32, d = 64;
        (Entry entry, int needed) = bits switch
        {
            512 => ((Entry)Vector512Primitives.AttendQueryLanes, QueryLanesAttention<Width512, System.Runtime.Intrinsics.Vector512<float>>.ScratchLength(lkv, headSize)),
            256 => ((Entry)Vector256Primitives.AttendQueryLanes, QueryLanesAttention<Width256, System.Runtime.Intrinsics.Vector256<float>>.ScratchLength(lkv, headSize)),
            _ => ((Entry)Vector128Primitives.AttendQueryLanes, QueryLanesAttention<Width128, System.Runtime.Intrinsics.Vector128<float>>.ScratchLength(lkv, headSize)),
        };
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
