using System;

namespace CrossAttention.Bench;

/// <summary>
/// The attention a user would write first: plain float loops, no vectors, no unrolling, batch 1, no mask. It is
/// the yardstick for "generic ≥ 3× a scalar loop" (SPEC §9), so it is straightforward but not deliberately slow:
/// values are read row by row, grouped-query heads read their key/value head, causal rows their visible keys, and the score buffer is allocated
/// once.
/// </summary>
internal sealed class ScalarAttention
{
    private readonly CrossAttentionShape _shape;
    private readonly float[] _scores;

    public ScalarAttention(CrossAttentionShape shape)
    {
        _shape = shape;
        _scores = new float[shape.Lkv];
    }

    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        int lq = _shape.Lq, d = _shape.D, dh = _shape.HeadSize, kvWidth = _shape.KeyValueWidth;
        float scale = _shape.Scale;
        float[] scores = _scores;
        for (int h = 0; h < _shape.Heads; h++)
        {
            int column = h * dh, kvColumn = h / _shape.GroupSize * dh;
            for (int i = 0; i < lq; i++)
            {
                int row = i * d + column, seen = _shape.VisibleKeys(i); // all Lkv keys unless causal
                float max = float.NegativeInfinity;
                for (int j = 0; j < seen; j++)
                {
                    float dot = 0f;
                    for (int c = 0; c < dh; c++)
                    {
                        dot += q[row + c] * k[j * kvWidth + kvColumn + c];
                    }

                    scores[j] = dot * scale;
                    max = MathF.Max(max, scores[j]);
                }

                float sum = 0f;
                for (int j = 0; j < seen; j++)
                {
                    scores[j] = MathF.Exp(scores[j] - max);
                    sum += scores[j];
                }

                output.Slice(row, dh).Clear();
                for (int j = 0; j < seen; j++)
                {
                    for (int c = 0; c < dh; c++)
                    {
                        output[row + c] += scores[j] * v[j * kvWidth + kvColumn + c];
                    }
                }

                float inverse = 1f / sum;
                for (int c = 0; c < dh; c++)
                {
                    output[row + c] *= inverse;
                }
            }
        }
    }
}
