using System.Linq;
using System.Text.RegularExpressions;
using CrossAttention.Gen.Tests.Support;
using Xunit;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>
/// Which tiers take which layout, read from the plan each tier's code states above itself: key rows in memory order
/// only for a single query row over at least 16 keys, at most a vector of heads of whole vectors, at most 12 vectors a
/// head, on the 512- and 256-bit tiers.
/// </summary>
public sealed class LayoutTests
{
    [Theory]
    [InlineData("1, 32, 512, 8", "Vector512 Vector256")]    // decode
    [InlineData("1, 1500, 384, 6", "Vector512 Vector256")]  // whisper: 6 heads in 8 floats a key row
    [InlineData("1, 16, 256, 8", "Vector512 Vector256")]    // the fewest keys
    [InlineData("1, 32, 512, 4", "Vector512")]              // heads of 128: 8 vectors of 16, but 16 of 8 (more than 12)
    [InlineData("1, 40, 1024, 8", "Vector512")]             // 8 heads of 128: 64 score FMAs a key row at 16 lanes, 128 at 8
    [InlineData("1, 32, 512, 16", "Vector512")]             // 16 heads: one 16-lane vector, two 8-lane ones
    [InlineData("1, 32, 24, 3", "Vector256")]               // heads of 8 columns: no 512-bit tier
    [InlineData("1, 15, 512, 8", "")]                       // too few keys
    [InlineData("2, 32, 512, 8", "")]                       // two query rows
    [InlineData("1, 32, 96, 8", "")]                        // heads of 12 columns: no whole vectors
    public void Key_rows_go_where_the_planner_says(string arguments, string tiers)
    {
        var (_, _, run) = GeneratorHarness.Run($"using CrossAttention; [CrossAttention({arguments})] public static partial class K;");
        string source = Assert.Single(run.GeneratedTrees).ToString();
        string[] keyRowTiers = Regex.Matches(source, @"// (Vector\d+) \(\d+ lanes, \d+ registers\): the query row of all \d+ heads at once, key and value rows read in memory order")
            .Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(tiers, string.Join(" ", keyRowTiers));
    }

    [Theory]
    [InlineData("4, 2, 64, 8", "Vector512")]                      // latent: 2 keys a score vector
    [InlineData("3, 8, 16, 2", "Vector512")]                      // 2 heads: 8 keys a score vector
    [InlineData("5, 3, 48, 6", "Vector512")]                      // 6 heads: 2 keys, two lanes of each half unused
    [InlineData("6, 7, 128, 16", "Vector512")]                    // 16 heads: 1 key a score vector
    [InlineData("2, 1, 16, 2", "Vector512")]                      // a single key
    [InlineData("4, 9, 64, 8", "")]                               // more than 8 keys
    [InlineData("4, 2, 72, 9", "")]                               // an odd head count: a row's last vector would be half a head pair
    [InlineData("4, 2, 144, 18", "")]                             // more than 16 heads
    [InlineData("4, 2, 128, 8", "")]                              // heads of 16 columns: heads in lanes of their own
    [InlineData("4, 2, 64, 8, KvHeads = 2", "Vector512")]         // grouped heads: each pair's key/value head in both halves
    [InlineData("3, 5, 48, 6, KvHeads = 2", "Vector512")]         // groups of 3: pairs within a group or across two
    [InlineData("2, 6, 64, 8, Causal = true", "Vector512")]       // causal rows: each row's own key mask
    public void Head_pairs_go_where_the_planner_says(string arguments, string tiers)
    {
        var (_, _, run) = GeneratorHarness.Run($"using CrossAttention; [CrossAttention({arguments})] public static partial class K;");
        string source = Assert.Single(run.GeneratedTrees).ToString();
        string[] pairTiers = Regex.Matches(source, @"// (Vector\d+) \(\d+ lanes, \d+ registers\): two heads of 8 columns to a vector")
            .Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(tiers, string.Join(" ", pairTiers));
    }

    [Theory]
    [InlineData("1, 32, 512, 8", "Vector512: blocks of 8 | Vector256: blocks of 4")]       // decode: a block per score block's rows
    [InlineData("1, 1500, 384, 6", "Vector512: blocks of 8 | Vector256: blocks of 4")]     // whisper
    [InlineData("1, 17, 1024, 16", "Vector512: one at a time")]                             // 16 heads of 64: the scores fill the method
    [InlineData("1, 37, 480, 5", "Vector512: blocks of 8 | Vector256: blocks of 4")]       // heads of 96, 12 vectors at 256 bits
    public void Value_rows_go_in_blocks_while_the_method_stays_small(string arguments, string expected)
    {
        var (_, _, run) = GeneratorHarness.Run($"using CrossAttention; [CrossAttention({arguments})] public static partial class K;");
        string source = Assert.Single(run.GeneratedTrees).ToString();
        var tiers = Regex.Matches(source, @"// (Vector\d+) \(\d+ lanes, \d+ registers\): the query row of all \d+ heads at once")
            .Select(m => m.Groups[1].Value).ToArray();
        var blocks = Regex.Matches(source, @"weighted sum \d+ head\(s\) a pass over (blocks of \d+|the value rows, one at a time)")
            .Select(m => m.Groups[1].Value == "the value rows, one at a time" ? "one at a time" : m.Groups[1].Value).ToArray();
        Assert.Equal(tiers.Length, blocks.Length);
        Assert.Equal(expected, string.Join(" | ", tiers.Zip(blocks, (t, b) => $"{t}: {b}")));
    }
}
