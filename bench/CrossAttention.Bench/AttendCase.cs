using System;

namespace CrossAttention.Bench;

/// <summary>
/// Everything one shape's <c>Attend</c> benchmarks share: the same seeded inputs in [-1, 1] (batch 1), one output
/// buffer every contender writes, and the non-generated contenders.
/// </summary>
internal sealed class AttendCase
{
    private const int Seed = 20240601;

    public AttendCase(CrossAttentionShape shape)
    {
        var random = new Random(Seed);
        Q = RandomFloats(random, shape.QueryLength);
        K = RandomFloats(random, shape.KeyValueLength);
        V = RandomFloats(random, shape.KeyValueLength);
        Output = new float[shape.QueryLength];
        Generic = new GenericCrossAttention(shape);
        Scalar = new ScalarAttention(shape);
    }

    public float[] Q { get; }

    public float[] K { get; }

    public float[] V { get; }

    public float[] Output { get; }

    public GenericCrossAttention Generic { get; }

    public ScalarAttention Scalar { get; }

    private static float[] RandomFloats(Random random, int length)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)(random.NextDouble() * 2 - 1);
        }

        return values;
    }
}
