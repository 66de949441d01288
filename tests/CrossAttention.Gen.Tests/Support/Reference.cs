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

    public static Result Attend(CrossAttentionShape shape, float[] q, float[] k, float[] v, bool[]? keyMask)
    {
        int batch = q.Length / shape.QueryLength;
        int d = shape.D, dh = shape.HeadSize, lq = shape.Lq, lkv = shape.Lkv;
        var output = new double[q.Length];
        var weights = new double[batch * shape.WeightsLength];
        var maxAbsLogit = new double[batch * shape.Heads * lq];
        var scores = new double[lkv];
        double scale = shape.Scale;

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
                        if (keyMask is not null && !keyMask[(b * lkv) + j])
                        {
                            continue;
                        }

                        int keyRow = ((b * lkv) + j) * d + (h * dh);
                        double dot = 0;
                        for (int c = 0; c < dh; c++)
                        {
                            dot += (double)q[queryRow + c] * k[keyRow + c];
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
                        if (keyMask is null || keyMask[(b * lkv) + j])
                        {
                            scores[j] = Math.Exp(scores[j] - max);
                            sum += scores[j];
                        }
                    }

                    for (int j = 0; j < lkv; j++)
                    {
                        if (keyMask is not null && !keyMask[(b * lkv) + j])
                        {
                            continue;
                        }

                        double p = scores[j] / sum;
                        weights[weightRow + j] = p;
                        int valueRow = ((b * lkv) + j) * d + (h * dh);
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
