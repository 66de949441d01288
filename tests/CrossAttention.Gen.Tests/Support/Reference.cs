using System;
using CrossAttention;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>
/// SPEC §1 and §6 computed plainly in float64, from the float32 inputs: the independent oracle every kernel is checked
/// against. Masked keys are skipped; a row whose keys are all masked gives zeros; NaN anywhere in an attended score
/// makes the row NaN (the max is NaN-propagating, as exp(NaN − m) would make it anyway).
/// </summary>
internal static class Reference
{
    public sealed record Result(double[] Output, double[] Weights, double[] MaxAbsLogit);

    public static Result Attend(CrossAttentionShape shape, float[] q, float[] k, float[] v, bool[]? keyMask) =>
        Attend(shape, Widen(q), Widen(k), Widen(v), keyMask);

    /// <summary>
    /// The whole layer (SPEC §2, PyTorch <c>nn.MultiheadAttention</c>): q = queries·Wqᵀ + Bq, k and v from the context,
    /// attention, output = attention·Woᵀ + Bo, every step in float64.
    /// </summary>
    public static Result Forward(CrossAttentionShape shape, float[] queries, float[] context, CrossAttentionWeights weights, bool[]? keyMask)
    {
        double[] q = Linear(Widen(queries), weights.Wq.ToArray(), weights.Bq.ToArray(), shape.D, shape.D);
        int kvWidth = shape.KvHeads * shape.HeadSize;
        double[] k = Linear(Widen(context), weights.Wk.ToArray(), weights.Bk.ToArray(), shape.KvDim, kvWidth);
        double[] v = Linear(Widen(context), weights.Wv.ToArray(), weights.Bv.ToArray(), shape.KvDim, kvWidth);
        Result attention = Attend(shape, q, k, v, keyMask);
        return attention with { Output = Linear(attention.Output, weights.Wo.ToArray(), weights.Bo.ToArray(), shape.D, shape.D) };
    }

    /// <summary>y = x·Wᵀ + b.</summary>
    public static double[] Linear(double[] x, float[] w, float[] b, int inputs, int outputs)
    {
        int rows = x.Length / inputs;
        var y = new double[rows * outputs];
        for (int r = 0; r < rows; r++)
        {
            for (int o = 0; o < outputs; o++)
            {
                double sum = b[o];
                for (int i = 0; i < inputs; i++)
                {
                    sum += x[(r * inputs) + i] * w[(o * inputs) + i];
                }

                y[(r * outputs) + o] = sum;
            }
        }

        return y;
    }

    /// <summary>The mean over heads of <c>[B, Heads, Lq, Lkv]</c> weights: <c>[B, Lq, Lkv]</c>, as PyTorch returns them.</summary>
    public static double[] HeadAverage(CrossAttentionShape shape, float[] weights)
    {
        int batch = weights.Length / shape.WeightsLength, rows = shape.Lq * shape.Lkv;
        var average = new double[batch * rows];
        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < shape.Heads; h++)
            {
                for (int i = 0; i < rows; i++)
                {
                    average[(b * rows) + i] += weights[(((b * shape.Heads) + h) * rows) + i] / (double)shape.Heads;
                }
            }
        }

        return average;
    }

    private static double[] Widen(float[] values) => Array.ConvertAll(values, x => (double)x);

    public static Result Attend(CrossAttentionShape shape, double[] q, double[] k, double[] v, bool[]? keyMask)
    {
        int batch = q.Length / shape.QueryLength;
        int d = shape.D, dh = shape.HeadSize, lq = shape.Lq, lkv = shape.Lkv;

        // Grouped-query heads as PyTorch's repeat_interleave: query head h reads key/value head h / (Heads / KvHeads), in
        // rows of KvHeads · dh. Causal, aligned lower-right: row i sees key j when j <= i + (Lkv - Lq).
        int kvWidth = shape.KvHeads * dh, group = shape.Heads / shape.KvHeads;
        bool Attended(int b, int i, int j) =>
            (keyMask is null || keyMask[(b * lkv) + j]) && (!shape.Causal || j <= i + (lkv - lq));
        var output = new double[q.Length];
        var weights = new double[batch * shape.WeightsLength];
        var maxAbsLogit = new double[batch * shape.Heads * lq];
        var scores = new double[lkv];
        // The default scale computed here, in float64, from D / Heads (not read from the shape under test); a given one
        // as the caller gave it.
        double scale = shape.HasDefaultScale ? 1.0 / Math.Sqrt((double)shape.D / shape.Heads) : shape.Scale;

        for (int b = 0; b < batch; b++)
        {
            for (int h = 0; h < shape.Heads; h++)
            {
                for (int i = 0; i < lq; i++)
                {
                    int queryRow = ((b * lq) + i) * d + (h * dh);
                    int weightRow = (((b * shape.Heads) + h) * lq + i) * lkv;
                    double max = double.NegativeInfinity, largest = 0;
                    bool any = false;
                    for (int j = 0; j < lkv; j++)
                    {
                        if (!Attended(b, i, j))
                        {
                            continue;
                        }

                        int keyRow = ((b * lkv) + j) * kvWidth + (h / group * dh);
                        double dot = 0;
                        for (int c = 0; c < dh; c++)
                        {
                            dot += q[queryRow + c] * k[keyRow + c];
                        }

                        scores[j] = dot * scale;
                        max = double.IsNaN(scores[j]) || double.IsNaN(max) ? double.NaN : Math.Max(max, scores[j]);
                        largest = Math.Max(largest, Math.Abs(scores[j]));
                        any = true;
                    }

                    maxAbsLogit[((b * shape.Heads) + h) * lq + i] = largest;
                    if (!any)
                    {
                        continue; // all masked: zeros, as allocated
                    }

                    double sum = 0;
                    for (int j = 0; j < lkv; j++)
                    {
                        if (Attended(b, i, j))
                        {
                            scores[j] = Math.Exp(scores[j] - max);
                            sum += scores[j];
                        }
                    }

                    for (int j = 0; j < lkv; j++)
                    {
                        if (!Attended(b, i, j))
                        {
                            continue;
                        }

                        double p = scores[j] / sum;
                        weights[weightRow + j] = p;
                        int valueRow = ((b * lkv) + j) * kvWidth + (h / group * dh);
                        for (int c = 0; c < dh; c++)
                        {
                            output[queryRow + c] += p * v[valueRow + c];
                        }
                    }
                }
            }
        }

        return new Result(output, weights, maxAbsLogit);
    }
}
