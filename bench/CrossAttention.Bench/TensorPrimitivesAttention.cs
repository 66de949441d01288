using System;
using System.Numerics.Tensors;

namespace CrossAttention.Bench;

/// <summary>
/// The attention a .NET developer writes with <see cref="TensorPrimitives"/> (System.Numerics.Tensors): per head and
/// query row a <c>Dot</c> per score, a max-subtracted softmax (<c>Max</c>, <c>Subtract</c>, <c>Exp</c>, <c>Sum</c>) and
/// a <c>MultiplyAdd</c> per value row, each call vectorized by the BCL. SPEC §9 asks the generic path to beat it.
/// Batch 1, no mask; grouped-query heads read their key/value head and causal rows their visible keys; the score buffer is allocated once.
/// </summary>
internal sealed class TensorPrimitivesAttention
{
    private readonly CrossAttentionShape _shape;
    private readonly float[] _scores;

    public TensorPrimitivesAttention(CrossAttentionShape shape)
    {
        _shape = shape;
        _scores = new float[shape.Lkv];
    }

    public void Attend(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, Span<float> output)
    {
        int lq = _shape.Lq, d = _shape.D, dh = _shape.HeadSize, kvWidth = _shape.KeyValueWidth;
        float scale = _shape.Scale;
        for (int h = 0; h < _shape.Heads; h++)
        {
            int column = h * dh, kvColumn = h / _shape.GroupSize * dh;
            for (int i = 0; i < lq; i++)
            {
                ReadOnlySpan<float> query = q.Slice((i * d) + column, dh);
                Span<float> scores = _scores.AsSpan(0, _shape.VisibleKeys(i)); // all Lkv keys unless causal
                int lkv = scores.Length;
                for (int j = 0; j < lkv; j++)
                {
                    scores[j] = TensorPrimitives.Dot(query, k.Slice((j * kvWidth) + kvColumn, dh)) * scale;
                }

                TensorPrimitives.Subtract(scores, TensorPrimitives.Max(scores), scores);
                TensorPrimitives.Exp(scores, scores);
                float inverse = 1f / TensorPrimitives.Sum(scores);

                Span<float> row = output.Slice((i * d) + column, dh);
                row.Clear();
                for (int j = 0; j < lkv; j++)
                {
                    TensorPrimitives.MultiplyAdd(v.Slice((j * kvWidth) + kvColumn, dh), scores[j], row, row);
                }

                TensorPrimitives.Multiply(row, inverse, row);
            }
        }
    }
}
