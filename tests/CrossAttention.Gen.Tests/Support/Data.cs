using System;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>Deterministic test inputs.</summary>
internal static class Data
{
    /// <summary>Uniform in [−amplitude, amplitude].</summary>
    public static float[] Uniform(Random random, int length, float amplitude = 1f)
    {
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1) * amplitude;
        }

        return values;
    }

    /// <summary>A random key mask with at least one attended key per batch item, and one fully masked item when
    /// <paramref name="fullyMaskedItem"/> is in range.</summary>
    public static bool[] Mask(Random random, int batch, int lkv, int fullyMaskedItem = -1)
    {
        var mask = new bool[batch * lkv];
        for (int b = 0; b < batch; b++)
        {
            if (b == fullyMaskedItem)
            {
                continue;
            }

            for (int j = 0; j < lkv; j++)
            {
                mask[(b * lkv) + j] = random.NextDouble() < 0.6;
            }

            mask[(b * lkv) + random.Next(lkv)] = true;
        }

        return mask;
    }

    public static float[] Filled(int length, float value)
    {
        var values = new float[length];
        Array.Fill(values, value);
        return values;
    }
}
