using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using CrossAttention;
using Samples.Shared;

namespace Samples.Captioning;

/// <summary>
/// The constructed scene, its region features, the caption's token embeddings and the layer weights. Everything
/// is built from a few "concepts" (red, car, foliage, sky, road, grass): a region's feature is the sum of the
/// directions of the concepts it shows, a token's embedding the concepts it asks about.
/// </summary>
internal static class Scene
{
    private enum Concept { Red, Car, Foliage, Sky, Road, Grass }

    private const int Concepts = 6;
    private const float FeatureNoise = 0.1f;     // per feature value; a concept direction has length 1
    private const float EmbeddingNoise = 0.1f;   // per embedding value; a concept asked for is about 1

    // What each region shows, row 0 at the top: S sky, T trees, G grass, R road, C red car body, W car wheel.
    private static readonly string[] Layout =
    [
        "SSSSTTT",
        "SSSTTTT",
        "SSSSTTT",
        "GGGGGTG",
        "RCCCCRR",
        "RWCCWRR",
        "RRRRRRR",
    ];

    private static readonly Dictionary<char, (string Name, Rgb Color, (Concept, float)[] Shows)> Elements = new()
    {
        ['S'] = ("sky", new Rgb(150, 200, 240), [(Concept.Sky, 1f)]),
        ['T'] = ("trees", new Rgb(40, 120, 50), [(Concept.Foliage, 1f)]),
        ['G'] = ("grass", new Rgb(130, 190, 90), [(Concept.Grass, 1f), (Concept.Foliage, 0.3f)]),
        ['R'] = ("road", new Rgb(120, 120, 125), [(Concept.Road, 1f)]),
        ['C'] = ("car body", new Rgb(210, 30, 40), [(Concept.Car, 1f), (Concept.Red, 1f)]),
        ['W'] = ("wheels", new Rgb(40, 40, 45), [(Concept.Car, 1f), (Concept.Road, 0.6f)]),
    };

    // What each caption token asks about (the concepts of its embedding), in caption order.
    private static readonly (Concept, float)[][] Asks =
    [
        [],                                           // "a": nothing in particular
        [(Concept.Red, 1.2f)],                        // "red"
        [(Concept.Car, 1f)],                          // "car"
        [(Concept.Car, 0.7f), (Concept.Road, 0.7f)],  // "parked": a car standing on the road
        [(Concept.Car, 0.6f), (Concept.Foliage, 0.6f)], // "near": relates the car and the trees
        [(Concept.Foliage, 1f)],                      // "trees"
    ];

    // How strongly each head's Wq and Wk read the concept subspace: most heads sharply, two of them weakly.
    private static readonly float[] HeadGain = [6f, 5.5f, 5f, 6f, 4.5f, 2.5f, 5f, 2f];

    // Fixed random unit directions in the 768-value region feature space, one per concept.
    private static readonly float[][] Directions = MakeDirections(768, seed: 5);

    public static IEnumerable<string> Describe()
    {
        for (int row = 0; row < Layout.Length; row++)
        {
            string key = row < Elements.Count ? $"{Elements.Keys.ElementAt(row)} = {Elements.Values.ElementAt(row).Name}" : "";
            yield return $"{row}  {string.Join(' ', Layout[row].ToCharArray())}      {key}".TrimEnd();
        }
    }

    /// <summary>"car body 81%, wheels 12%": the scene elements that got at least 10 % of this token's attention.</summary>
    public static string Describe(ReadOnlySpan<float> weights)
    {
        var shares = new Dictionary<char, float>();
        for (int r = 0; r < weights.Length; r++)
        {
            char element = Layout[r / Layout.Length][r % Layout.Length];
            shares[element] = shares.GetValueOrDefault(element) + weights[r];
        }

        float top = 0;
        for (int r = 0; r < weights.Length; r++)
        {
            top = Math.Max(top, weights[r]);
        }

        string looks = string.Join(", ", shares.Where(s => s.Value >= 0.1f).OrderByDescending(s => s.Value)
            .Select(s => string.Create(CultureInfo.InvariantCulture, $"{Elements[s.Key].Name} {s.Value:0%}")));
        return top < 2.5f / weights.Length
            ? string.Create(CultureInfo.InvariantCulture, $"spread out, no region above {top:0%}: {looks}")
            : looks;
    }

    /// <summary>[1, 49, 768]: each region the sum of its concepts' directions (scaled) plus seeded noise.</summary>
    public static float[] RegionFeatures(CrossAttentionShape shape, Random random)
    {
        float[] features = Noise(shape.Lkv * shape.KvDim, FeatureNoise, random);
        for (int r = 0; r < shape.Lkv; r++)
        {
            foreach ((Concept concept, float amount) in Elements[Layout[r / Layout.Length][r % Layout.Length]].Shows)
            {
                for (int i = 0; i < shape.KvDim; i++)
                {
                    features[(r * shape.KvDim) + i] += amount * Directions[(int)concept][i];
                }
            }
        }

        return features;
    }

    /// <summary>[1, 6, 512]: dimension c of a token's embedding says how much it asks about concept c; plus noise.</summary>
    public static float[] TokenEmbeddings(CrossAttentionShape shape, string[] caption, Random random)
    {
        float[] embeddings = Noise(caption.Length * shape.D, EmbeddingNoise, random);
        for (int t = 0; t < caption.Length; t++)
        {
            foreach ((Concept concept, float amount) in Asks[t])
            {
                embeddings[(t * shape.D) + (int)concept] += amount;
            }
        }

        return embeddings;
    }

    /// <summary>
    /// Seeded nn.Linear-style random weights; then in head h, query column h·64 + c reads embedding dimension c and
    /// key column h·64 + c reads concept c's feature direction, both with strength HeadGain[h].
    /// </summary>
    public static CrossAttentionWeights Weights(CrossAttentionShape shape)
    {
        CrossAttentionWeights weights = CrossAttentionWeights.CreateRandom(shape, seed: 99);
        Span<float> wq = weights.Wq, wk = weights.Wk;   // rows are output columns: [D, D] and [D, KvDim]
        for (int h = 0; h < shape.Heads; h++)
        {
            for (int c = 0; c < Concepts; c++)
            {
                int output = (h * shape.HeadSize) + c;
                wq[(output * shape.D) + c] += HeadGain[h];
                for (int i = 0; i < shape.KvDim; i++)
                {
                    wk[(output * shape.KvDim) + i] += HeadGain[h] * Directions[c][i];
                }
            }
        }

        return weights;
    }

    /// <summary>The scene as a picture: one coloured square per region, with its letter.</summary>
    public static Canvas Image(int cellSize)
    {
        const int Left = 12 + 20, Top = 12 + 16 + 10 + 16 + 6;
        var canvas = new Canvas(Left + (Layout.Length * cellSize) + 12, Top + (Layout.Length * cellSize) + 12, Rgb.White);
        canvas.Text(12, 12, "the scene", Rgb.Ink, 2);
        for (int row = 0; row < Layout.Length; row++)
        {
            string label = row.ToString(CultureInfo.InvariantCulture);
            canvas.TextCentered(Left + (row * cellSize) + (cellSize / 2), Top - 22, label, Rgb.Ink, 2);
            canvas.Text(12, Top + (row * cellSize) + (cellSize / 2) - 7, label, Rgb.Ink, 2);
            for (int column = 0; column < Layout.Length; column++)
            {
                char element = Layout[row][column];
                Rgb color = Elements[element].Color;
                canvas.Fill(Left + (column * cellSize), Top + (row * cellSize), cellSize - 1, cellSize - 1, color);
                canvas.TextCentered(Left + (column * cellSize) + (cellSize / 2), Top + (row * cellSize) + (cellSize / 2) - 7,
                                    element.ToString(), color.Contrasting, 2);
            }
        }

        return canvas;
    }

    private static float[] Noise(int length, float amplitude, Random random)
    {
        float[] values = new float[length];
        for (int i = 0; i < length; i++)
        {
            values[i] = ((random.NextSingle() * 2) - 1) * amplitude;
        }

        return values;
    }

    private static float[][] MakeDirections(int size, int seed)
    {
        var random = new Random(seed);
        float[][] directions = new float[Concepts][];
        for (int c = 0; c < Concepts; c++)
        {
            float[] d = Noise(size, 1f, random);
            float norm = MathF.Sqrt(d.Sum(x => x * x));
            directions[c] = d.Select(x => x / norm).ToArray();
        }

        return directions;
    }
}
