// A user's program: the generator must run from the package alone (analyzers/dotnet/cs), its kernel must be the one
// CrossAttentionKernels.Resolve finds, and it must compute what the generic kernel computes. Exit code 0 = all true.
using System;
using CrossAttention;

var random = new Random(7);
float[] Draw(int length)
{
    var values = new float[length];
    for (int i = 0; i < length; i++)
    {
        values[i] = (random.NextSingle() * 2) - 1;
    }

    return values;
}

CrossAttentionShape shape = Latent.Shape;
float[] queries = Draw(shape.QueryLength), context = Draw(shape.Lkv * shape.KvDim);
var weights = CrossAttentionWeights.CreateRandom(shape, seed: 7);
float[] generated = new float[shape.QueryLength], generic = new float[shape.QueryLength];
Latent.Forward(queries, context, weights, generated);
new GenericCrossAttention(shape).Forward(queries, context, weights, generic);

double worst = 0;
for (int i = 0; i < generated.Length; i++)
{
    worst = Math.Max(worst, Math.Abs(generated[i] - generic[i]) / (1e-5 + (1e-5 * Math.Abs(generic[i]))));
}

ICrossAttention resolved = CrossAttentionKernels.Resolve(shape);
bool resolvesToGenerated = !Latent.KernelPath.IsSpecialized() || (resolved.Path == Latent.KernelPath && resolved is not GenericCrossAttention);
Console.WriteLine($"package consumer: path {Latent.KernelPath}, Resolve → {resolved.GetType().Name}, worst error / bound {worst:F3}");
return worst <= 1 && resolvesToGenerated ? 0 : 1;

[CrossAttention(lq: 4, lkv: 2, d: 64, heads: 8)]
internal static partial class Latent;
