using System;
using System.Collections.Generic;
using System.Linq;
using CrossAttention.Gen.Tests.Kernels;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Runtime;

/// <summary>
/// Every span of every call × every wrong length — one short, one long, a batch item short, a batch item too many,
/// empty — on every path (the generated kernel, each of its other tiers, both generic paths): an
/// <see cref="ArgumentException"/> naming the span the rules blame, with its expected and actual lengths, and nothing
/// written. The batch is read from the first span (<c>q</c>, <c>queries</c>, or <c>context</c> for
/// <c>ProjectContext</c>), so a whole item too many there is blamed on the next span, which then disagrees with it.
/// </summary>
public sealed class ValidationTableTests
{
    private const int Batch = 2;
    private static readonly CrossAttentionShape Shape = Odd.Shape; // Lq 5, Lkv 7, D 72, Heads 3, KvDim 40
    private static readonly CrossAttentionWeights Weights = CrossAttentionWeights.CreateRandom(Shape, 5);

    /// <summary>A call's spans in the order they are checked: the first sets the batch; optional ones may be empty.</summary>
    private sealed record Span(string Name, int PerItem, bool Optional = false);

    private static readonly Dictionary<string, Span[]> Calls = new()
    {
        ["Attend"] =
        [
            new("q", Shape.QueryLength), new("k", Shape.KeyValueLength), new("v", Shape.KeyValueLength), new("output", Shape.QueryLength),
            new("keyMask", Shape.Lkv, Optional: true), new("attentionWeights", Shape.WeightsLength, Optional: true),
        ],
        ["Forward"] =
        [
            new("queries", Shape.QueryLength), new("context", Shape.Lkv * Shape.KvDim), new("output", Shape.QueryLength),
            new("keyMask", Shape.Lkv, Optional: true), new("attentionWeights", Shape.WeightsLength, Optional: true),
        ],
        ["ForwardProjected"] =
        [
            new("queries", Shape.QueryLength), new("output", Shape.QueryLength),
            new("keyMask", Shape.Lkv, Optional: true), new("attentionWeights", Shape.WeightsLength, Optional: true),
        ],
        ["ProjectContext"] = [new("context", Shape.Lkv * Shape.KvDim)],
    };

    /// <summary>The wrong lengths, as a change of a span's right length (<c>Batch × perItem</c>).</summary>
    private static readonly Dictionary<string, Func<int, int>> Mutations = new()
    {
        ["one short"] = perItem => (Batch * perItem) - 1,
        ["one long"] = perItem => (Batch * perItem) + 1,
        ["an item short"] = perItem => (Batch - 1) * perItem,
        ["an item too many"] = perItem => (Batch + 1) * perItem,
        ["empty"] = _ => 0,
    };

    public static TheoryData<string, string, string> Cases()
    {
        var data = new TheoryData<string, string, string>();
        foreach ((string call, Span[] spans) in Calls)
        {
            foreach (Span span in spans)
            {
                foreach (string mutation in Mutations.Keys)
                {
                    // An empty mask or weights span means "leave it out"; a context alone of whole items (ProjectContext) is
                    // a valid call of that many items.
                    bool valid = (span.Optional && mutation == "empty")
                                 || (spans.Length == 1 && Mutations[mutation](span.PerItem) % span.PerItem == 0);
                    if (!valid)
                    {
                        data.Add(call, span.Name, mutation);
                    }
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void A_wrong_length_is_rejected_naming_the_span_with_nothing_written(string call, string spanName, string mutation)
    {
        Span[] spans = Calls[call];
        Span span = spans.Single(s => s.Name == spanName);
        int length = Mutations[mutation](span.PerItem);
        (string blamed, string message) = Expected(call, spans, span, length);

        foreach ((string path, ICrossAttention kernel) in TestKernels.Implementations(nameof(Odd)))
        {
            int Length(string name) => name == spanName ? length : spans.FirstOrDefault(s => s.Name == name) is { } other ? Batch * other.PerItem : 0;
            float[] Input(string name) => Data.Filled(Length(name), 0.25f);
            float[] output = Data.Filled(Length("output"), 7f);
            float[] weights = Data.Filled(Length("attentionWeights"), 7f);
            bool[] mask = Enumerable.Repeat(true, Length("keyMask")).ToArray();
            var projected = new ProjectedContext(Shape, Batch);

            ArgumentException e = Assert.ThrowsAny<ArgumentException>(() =>
            {
                switch (call)
                {
                    case "Attend":
                        kernel.Attend(Input("q"), Input("k"), Input("v"), output, mask, weights);
                        break;
                    case "Forward":
                        kernel.Forward(Input("queries"), Input("context"), Weights, output, mask, weights);
                        break;
                    case "ForwardProjected":
                        kernel.Forward(Input("queries"), projected, Weights, output, mask, weights);
                        break;
                    default:
                        kernel.ProjectContext(Input("context"), Weights);
                        break;
                }
            });

            string what = $"{call}, {spanName} {mutation} ({length} elements), {path}";
            Assert.True(e.ParamName == blamed, $"{what}: blamed {e.ParamName}, expected {blamed}: {e.Message}");
            Assert.True(e.Message.Contains(message, StringComparison.Ordinal), $"{what}: expected \"{message}\" in \"{e.Message}\"");
            Assert.True(output.All(x => x == 7f) && weights.All(x => x == 7f), $"{what}: something was written");
        }
    }

    /// <summary>
    /// Who the rules blame and what they say, word for word: a first span that is not whole items names itself; one of
    /// whole items sets the batch, and the next thing checked (of the right length for <see cref="Batch"/>: the next
    /// span, or the projected context) disagrees with it; any other span names itself with its expected and actual
    /// lengths, what one batch item of it holds, and why the length is wrong.
    /// </summary>
    private static (string Blamed, string Message) Expected(string call, Span[] spans, Span span, int length)
    {
        string first = spans[0].Name;
        if (span != spans[0])
        {
            return (span.Name, Mismatch(span, length, Batch, first));
        }

        if (length % span.PerItem != 0)
        {
            return (span.Name, $"{span.Name} has {length} elements; expected a multiple of {span.PerItem} ({PerItem(span.Name)}), one block per batch item.");
        }

        int batch = length / span.PerItem;
        if (call == "ForwardProjected")
        {
            return ("context", $"context holds {Items(Batch)}; expected {batch} (from queries).");
        }

        return (spans[1].Name, Mismatch(spans[1], Batch * spans[1].PerItem, batch, first));
    }

    /// <summary>The message for a span of <paramref name="length"/> elements where <paramref name="batch"/> items were expected.</summary>
    private static string Mismatch(Span span, int length, int batch, string first)
    {
        string why = length % span.PerItem == 0
            ? $"It holds {Items(length / span.PerItem)} but {first} holds {batch}"
            : $"That is not a whole number of {span.PerItem}-element batch items";
        return $"{span.Name} has {length} elements; expected {batch * span.PerItem}{(span.Optional ? " (or 0 to leave it out)" : "")}: "
               + $"batch {batch} (from {first}) × {PerItem(span.Name)}. {why}.";
    }

    private static string Items(int count) => $"{count} batch item{(count == 1 ? "" : "s")}";

    /// <summary>What one batch item of a span holds, in the words of the contract, for <see cref="Shape"/>.</summary>
    private static string PerItem(string name) => name switch
    {
        "q" or "queries" or "output" => "Lq × D = 5 × 72",
        "k" or "v" => "Lkv × D = 7 × 72",
        "context" => "Lkv × KvDim = 7 × 40",
        "keyMask" => "Lkv = 7",
        _ => "Heads × Lq × Lkv = 3 × 5 × 7",
    };
}
