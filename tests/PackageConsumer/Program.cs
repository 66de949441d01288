// A user's program: the generator must run from the package alone (analyzers/dotnet/cs), its kernels must be the ones
// CrossAttentionKernels.Resolve finds, and they must compute what the generic kernel computes. Exit code 0 = all true.
// .ci/run builds it twice from the package: with the JIT, and published with Native AOT; both print a checksum of every
// output, which must be equal (same path, same bits). Arguments: --expect-path <KernelPath> fails the run on another path.
using System;
using CrossAttention;

KernelPath? expected = args.Length == 2 && args[0] == "--expect-path" ? Enum.Parse<KernelPath>(args[1]) : null;
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

ulong checksum = 14695981039346656037; // FNV-1a over the bits of every output
double worst = 0;
void Compare(float[] generated, float[] generic)
{
    for (int i = 0; i < generated.Length; i++)
    {
        worst = Math.Max(worst, Math.Abs(generated[i] - generic[i]) / (1e-5 + (1e-5 * Math.Abs(generic[i]))));
        checksum = (checksum ^ BitConverter.SingleToUInt32Bits(generated[i])) * 1099511628211;
    }
}

// The layer through the generated class's static members.
CrossAttentionShape shape = Latent.Shape;
float[] queries = Draw(shape.QueryLength), context = Draw(shape.Lkv * shape.KvDim);
var weights = CrossAttentionWeights.CreateRandom(shape, seed: 7);
float[] generated = new float[shape.QueryLength], generic = new float[shape.QueryLength];
Latent.Forward(queries, context, weights, generated);
new GenericCrossAttention(shape).Forward(queries, context, weights, generic);
Compare(generated, generic);

// A grouped, causal kernel with a mask and weights, found by Resolve as an object.
ICrossAttention step = CrossAttentionKernels.Resolve(GroupedStep.Shape);
shape = step.Shape;
float[] q = Draw(shape.QueryLength), k = Draw(shape.KeyValueLength), v = Draw(shape.KeyValueLength);
bool[] mask = new bool[shape.Lkv];
for (int j = 0; j < mask.Length; j++)
{
    mask[j] = j % 7 != 3;
}

float[] output = new float[shape.QueryLength], attention = new float[shape.WeightsLength];
float[] genericOutput = new float[shape.QueryLength], genericAttention = new float[shape.WeightsLength];
step.Attend(q, k, v, output, mask, attention);
new GenericCrossAttention(shape).Attend(q, k, v, genericOutput, mask, genericAttention);
Compare(output, genericOutput);
Compare(attention, genericAttention);

bool resolvesToGenerated = true;
foreach ((CrossAttentionShape kernelShape, KernelPath path) in new[] { (Latent.Shape, Latent.KernelPath), (GroupedStep.Shape, GroupedStep.KernelPath) })
{
    ICrossAttention resolved = CrossAttentionKernels.Resolve(kernelShape);
    resolvesToGenerated &= !path.IsSpecialized() || (resolved.Path == path && resolved is not GenericCrossAttention);
}

bool onExpectedPath = expected is null || Latent.KernelPath == expected;
Console.WriteLine($"package consumer: paths {Latent.KernelPath}, {GroupedStep.KernelPath}; checksum {checksum:x16}; Resolve finds the generated kernels: {resolvesToGenerated}; worst error / bound {worst:F3}");
if (!onExpectedPath)
{
    Console.WriteLine($"expected path {expected}");
}

return worst <= 1 && resolvesToGenerated && onExpectedPath ? 0 : 1;

[CrossAttention(lq: 4, lkv: 2, d: 64, heads: 8)]
internal static partial class Latent;

[CrossAttention(lq: 2, lkv: 300, d: 256, heads: 8, KvHeads = 2, Causal = true)]
internal static partial class GroupedStep;
