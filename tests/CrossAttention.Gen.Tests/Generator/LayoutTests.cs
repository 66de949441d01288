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
}
