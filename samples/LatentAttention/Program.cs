using System;
using CrossAttention;

namespace Samples.Latent;

[CrossAttention(lq: 4, lkv: 2, d: 64, heads: 8)]
public static partial class LatentAttention;

public static class Program
{
    public static void Main()
    {
        var rng = new Random(1);
        float[] q = new float[4 * 64], k = new float[2 * 64], v = new float[2 * 64], o = new float[4 * 64], o2 = new float[4 * 64];
        foreach (var a in new[] { q, k, v }) for (int i = 0; i < a.Length; i++) a[i] = (float)(rng.NextDouble() * 2 - 1);
        LatentAttention.Attend(q, k, v, o);
        new GenericCrossAttention(LatentAttention.Shape).Attend(q, k, v, o2);
        double m = 0; for (int i = 0; i < o.Length; i++) m = Math.Max(m, Math.Abs(o[i] - o2[i]));
        Console.WriteLine($"{LatentAttention.Path} maxdiff {m}");
    }
}
