using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

/// <summary>
/// Decides how a shape is unrolled. Everything the emitter does differently per shape is decided here and recorded in
/// the <see cref="KernelPlan"/>, so a person (and a test) can read the decision without reading the code.
/// </summary>
internal static class KernelPlanner
{
    /// <summary>Head sizes up to this many vectors (128 columns of 8-lane vectors) are unrolled whole.</summary>
    public const int MaxUnrolledHeadChunks = 16;

    /// <summary>Statements one query row may take for its key blocks and keys to be unrolled.</summary>
    public const int KeyUnrollBudget = 480;

    /// <summary>Most head vectors a query row keeps in registers across key blocks (with one score accumulator per lane).</summary>
    public const int MaxPreloadedQueryChunks = 4;

    /// <summary>The widest tier's lanes: score buffers are sized in its vectors.</summary>
    private const int WidestLanes = 16;

    /// <summary>
    /// Null when generated code can hold the shape; else why not. Every constant the generated code writes (a tensor's
    /// elements per batch item, the score buffers of up to three rows of ⌈Lkv / 16⌉ vectors of the widest tier) must be
    /// an <c>int</c>; <see cref="ShapeRules.Validate"/> has already bounded each tensor, this bounds the buffers.
    /// </summary>
    public static string? CheckGeneratable(int lkv, int lq, bool causal)
    {
        long scoreBuffers = 3L * RoundUp(lkv, WidestLanes);
        if (scoreBuffers > int.MaxValue)
        {
            return string.Format(CultureInfo.InvariantCulture,
                "lkv = {0:N0} keys need score buffers of 3 × {1:N0} floats, more than the {2:N0} a span can index: the largest key count a kernel can be generated for is {3:N0}",
                lkv, RoundUp(lkv, WidestLanes), int.MaxValue, MaxGeneratableKeys);
        }

        // A causal kernel keeps a key mask per query row beside its scores (two rows, or a query-lanes scratch).
        long causalBuffers = ((lq + 2L) * RoundUp(lkv, WidestLanes)) + MaxQueryLanesScratch;
        return causal && causalBuffers > int.MaxValue
            ? string.Format(CultureInfo.InvariantCulture,
                "Causal with lq = {0:N0} query rows over lkv = {1:N0} keys needs a key mask per row: {0:N0} × {2:N0} ints beside the score buffers, more than the {3:N0} a span can index",
                lq, lkv, RoundUp(lkv, WidestLanes), int.MaxValue)
            : null;
    }

    /// <summary>The most keys whose three score buffers (⌈Lkv / 16⌉ vectors of 16 each) a span can hold.</summary>
    public const int MaxGeneratableKeys = int.MaxValue / 3 / WidestLanes * WidestLanes;

    private static long RoundUp(int value, int lanes) => ((long)value + lanes - 1) / lanes * lanes;

    /// <summary>
    /// The plans of a shape that passed <see cref="ShapeRules.Validate"/> and <see cref="CheckGeneratable"/>: one per
    /// tier the shape fills (<see cref="FillsLanes"/>), widest first, and the <c>Vector128</c> tier always. A wider tier
    /// whose vectors the attention does not fill but the projections do (<see cref="ProjectionsFillLanes"/>) is planned
    /// for its projections alone: its attention is the next narrower tier's code, called from it (latent, a head of 8
    /// columns under AVX-512: its projections at 512 bits took two thirds of the time of 256-bit ones, Zen 5). A wider
    /// tier that neither fills is not planned: CPUs of that width run the narrower tier.
    /// </summary>
    public static ShapePlan Plan(KernelSpec spec)
    {
        // Narrowest first, so a tier that borrows its attention finds the tier it borrows from already planned.
        var narrowestFirst = new List<KernelPlan>();
        KernelPlan? attention = null;
        foreach (VectorTier tier in VectorTier.All.Reverse())
        {
            if (tier == VectorTier.V128 || FillsLanes(spec, tier.Lanes))
            {
                attention = PlanTier(spec, tier);
                narrowestFirst.Add(attention);
            }
            else if (attention is not null && ProjectionsFillLanes(spec, tier.Lanes))
            {
                narrowestFirst.Add(attention with { Tier = tier, Projections = PlanProjections(spec, tier.Lanes), Attention = attention });
            }
        }

        var tiers = ImmutableArray.CreateRange(Enumerable.Reverse(narrowestFirst));

        // Tiers usually agree on what is unrolled (it depends little on the width); where they do not, each says its own.
        var infos = tiers.Where(t => t.Info is not null).Select(t => t.Info!).Distinct().ToList();
        string? info = infos.Count switch
        {
            0 => null,
            1 when tiers.All(t => t.Info is not null) => infos[0],
            _ => string.Join(" | ", tiers.Select(t => $"{t.Tier.Vector}: {t.Info ?? "fully unrolled"}")),
        };
        return new ShapePlan(spec, new EquatableArray<KernelPlan>(tiers), info);
    }

    /// <summary>
    /// True when both projections' inputs (D and KvDim) are at least one vector of <paramref name="lanes"/>: a tier of
    /// that width is worth planning for its projections even where the attention cannot fill its vectors.
    /// </summary>
    public static bool ProjectionsFillLanes(KernelSpec spec, int lanes) =>
        spec.D >= lanes && spec.ResolvedKvDim >= lanes;

    /// <summary>
    /// True when vectors of <paramref name="lanes"/> are full enough for the tier to be worth its own code: a head at
    /// least one vector wide, and lanes filled by keys (at least one whole block of them) or by heads (heads in lanes).
    /// A head of 8 columns, or 7 keys, in 16 lanes would leave half the work masked off: such shapes run the narrower
    /// tier's code on AVX-512 too.
    /// </summary>
    public static bool FillsLanes(KernelSpec spec, int lanes) =>
        (spec.HeadSize >= lanes && (spec.Lkv >= lanes || IsHeadsInLanesShape(spec, lanes))) || IsHeadPairsShape(spec, lanes);

    /// <summary>The plan of one tier, for its lanes.</summary>
    private static KernelPlan PlanTier(KernelSpec spec, VectorTier tier)
    {
        int lanes = tier.Lanes;
        int dh = spec.HeadSize;
        int fullChunks = dh / lanes;
        int loopedGroups = fullChunks > MaxUnrolledHeadChunks ? fullChunks / HeadTraversal.ChunksPerLoopedGroup : 0;
        var head = new HeadTraversal(dh, lanes, fullChunks, dh % lanes, loopedGroups);

        // Sizes may be anything up to int.MaxValue: every count below is a long, so no product wraps around.
        int keyBlocks = (int)(RoundUp(spec.Lkv, lanes) / lanes);
        int keyTail = spec.Lkv % lanes;
        int chunks = head.Chunks;
        int groupChunks = chunks < 8 ? chunks : 8;
        long valueGroups = (chunks + groupChunks - 1) / groupChunks;
        int valueSplit = groupChunks switch { 1 => 4, 2 => 2, 3 => 2, 4 => 2, _ => 1 };
        bool headUnrolled = loopedGroups == 0;

        // Statement counts of the emitted code, close enough to keep every method far inside the JIT's limits.
        // A score block: per head vector one query load and, per key of the block (one per lane), a load and an FMA.
        long perChunk = lanes + 1L;
        long scoreBlockCost = headUnrolled ? (chunks * perChunk) + lanes : (HeadTraversal.ChunksPerLoopedGroup * perChunk) + ((chunks % 8) * perChunk) + (2L * lanes);
        long valueKeyCost = groupChunks + 3;
        long unrolledKeysRow = (keyBlocks * (scoreBlockCost + 6)) + (valueGroups * ((spec.Lkv * valueKeyCost) + (2L * groupChunks))) + 16;
        long loopedKeysRow = (2 * (scoreBlockCost + 6)) + (valueGroups * ((2 * valueKeyCost) + (2L * groupChunks) + 6)) + 32;

        // Heads in lanes: per query row, Lkv score vectors (H·dh/L FMAs and a reduction each), then per head a broadcast
        // and dh/L FMAs per key.
        bool headsInLanes = IsHeadsInLanesShape(spec, lanes);
        long headsInLanesRow = (spec.Lkv * (((long)spec.Heads * chunks) + 12)) + (spec.Heads * ((spec.Lkv * (chunks + 3L)) + (2L * chunks))) + (spec.Lkv * (long)lanes) + 16;

        bool headPairs = IsHeadPairsShape(spec, lanes);
        bool unrollKeys = headsInLanes || headPairs || (headUnrolled && unrolledKeysRow <= KeyUnrollBudget);
        long rowCost = headsInLanes ? headsInLanesRow : unrollKeys ? unrolledKeysRow : loopedKeysRow;
        // Query rows go in a loop, each row's code straight-line: unrolling them measured slower, not faster (latent
        // Attend 400 ns with its 4 rows unrolled, 254 ns in a loop, on a Zen 3: the unrolled machine code no longer fits
        // the front end's caches), and it kept the generated file 4 times as long. A single row needs no loop.
        bool unrollQueries = spec.Lq == 1;
        int estimate = (int)(unrollQueries ? spec.Lq * rowCost : rowCost + 8);
        bool preload = headUnrolled && chunks <= MaxPreloadedQueryChunks && keyBlocks > 1;

        // The Info diagnostic is for what changes how the kernel runs: keys walked in loops with their scores in memory,
        // or a head too wide for registers. Query rows in a loop (each row's code still unrolled) are not worth a word.
        string? info = null;
        if (!unrollKeys || !headUnrolled)
        {
            info = string.Format(CultureInfo.InvariantCulture,
                "{0}; {1}; {2}",
                unrollQueries ? $"all {Count(spec.Lq, "query row")} unrolled" : $"the {Count(spec.Lq, "query row")} in a loop",
                unrollKeys ? $"all {Count(spec.Lkv, "key")} unrolled" : $"the {Count(spec.Lkv, "key")} in loops, a vector of keys at a time",
                headUnrolled
                    ? $"the head dimension ({dh}) unrolled in registers"
                    : $"the head dimension ({dh}) in a loop over groups of {HeadTraversal.ChunksPerLoopedGroup} vectors, each unrolled");
        }

        // Keys walked in loops are read from memory for every query row: two rows sharing each read halve that traffic.
        // Two query heads of a group are paired first: they read the same key/value head and their rows at
        // one query index see the same keys, so this works at Lq = 1 (the decoder step) and with Causal. Otherwise two
        // consecutive query rows of a head (not with Causal: they see different keys, and each must skip the value rows
        // it does not see).
        bool queryLanes = IsQueryLanesShape(spec, lanes);
        bool keyRows = IsKeyRowsShape(spec, lanes);
        // The whole group goes in an item when its score rows fit the bound of a query-lanes scratch (an odd group's
        // last head goes alone); else an even group in pairs, an odd one not at all.
        bool groupable = !unrollKeys && headUnrolled && !headsInLanes && !headPairs && !queryLanes && !keyRows && spec.GroupSize >= 2;
        int pairedHeads = !groupable ? 0
            : (long)spec.GroupSize * RoundUp(spec.Lkv, lanes) <= MaxQueryLanesScratch ? spec.GroupSize
            : spec.GroupSize % 2 == 0 ? 2 : 0;
        bool pairHeads = pairedHeads > 0;
        int keyTile = pairedHeads > 2 ? System.Math.Max(4, KeyTileBytes / 4 / dh / 4 * 4) : 0;
        int queryBlockRows = pairHeads || (!unrollKeys && headUnrolled && spec.Lq >= 2 && !spec.Causal) ? 2 : 1;
        if (queryLanes)
        {
            estimate = 4; // the attention method is one call of the runtime's kernel
            info = string.Format(CultureInfo.InvariantCulture,
                "the {0} in the vector lanes, two vectors of them at a time; the {1} in loops",
                Count(spec.Lq, "query row"), Count(spec.Lkv, "key"));
        }

        if (keyRows)
        {
            estimate = (int)KeyRowsStatements(spec, lanes, KeyRowsValueRows(spec, lanes));
            info = string.Format(CultureInfo.InvariantCulture,
                "the query row of all {0} heads at once; the {1} in loops, key and value rows read in order",
                spec.Heads, Count(spec.Lkv, "key"));
        }

        if (headPairs)
        {
            // Per row of a block: per score vector its eight products and the reduction's seven steps; the softmax; per
            // pair of heads a broadcast and an FMA per key; the weights' stores. A block and a tail block of fewer rows.
            int vectors = HeadPairsVectors(spec), blockRows = HeadPairsBlockRows(spec);
            long pairRow = (vectors * 12L) + (vectors * 6L) + 8 + ((spec.Heads / 2) * ((spec.Lkv * 2L) + 2)) + (spec.Lkv * (spec.Heads + 1L));
            estimate = (int)((2 * blockRows * pairRow) + 24);
        }

        return new KernelPlan(spec, tier, headsInLanes, head, keyBlocks, keyTail, unrollQueries, unrollKeys && !keyRows, preload && !headsInLanes && !keyRows && !headPairs, queryBlockRows, pairedHeads, keyTile,
                              groupChunks, valueSplit, queryLanes, keyRows, estimate, PlanProjections(spec, lanes), info, HeadPairs: headPairs);
    }

    /// <summary>Q and O map D to D; K and V map KvDim to KvHeads · dh (D unless grouped), the same projection when both are D.</summary>
    private static EquatableArray<LinearPlan> PlanProjections(KernelSpec spec, int lanes) =>
        new(spec.ResolvedKvDim == spec.D && spec.KvWidth == spec.D
            ? ImmutableArray.Create(PlanLinear(spec.D, spec.D, lanes))
            : ImmutableArray.Create(PlanLinear(spec.D, spec.D, lanes), PlanLinear(spec.ResolvedKvDim, spec.KvWidth, lanes)));

    /// <summary>"1 key", "2 keys": a count with its noun.</summary>
    internal static string Count(long count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");

    /// <summary>
    /// Heads go in the vector lanes when keys would fill few of them (Lkv ≤ 8) and the heads fit one vector (2 ≤ Heads
    /// ≤ L) with whole vectors per head (dh a multiple of L, at most 64, so a head's accumulators stay in registers),
    /// and a query row stays short.
    /// </summary>
    public static bool IsHeadsInLanesShape(KernelSpec spec, int lanes) =>
        spec.Lkv <= 8 && spec.Heads >= 2 && spec.Heads <= lanes && spec.HeadSize % lanes == 0 && spec.HeadSize <= 64
        && spec.Lkv * spec.Heads * (spec.HeadSize / lanes) <= MaxHeadsInLanesProducts; // each factor is small here

    /// <summary>
    /// Heads of 8 columns go two to a 16-lane vector (the <c>Vector512</c> tier), where a head fills only half a vector
    /// and heads in lanes would leave half of each empty: a query row's vector of two heads times the same columns of a
    /// key row holds two 8-lane dot products, and one reduction turns eight such products into a score vector of 16 —
    /// every head's score for <see cref="HeadPairsKeys"/> keys side by side, so a softmax step is again one vector
    /// operation for all heads and keys. For an even number of heads (whole vectors per row) of 8 columns, grouped or
    /// not (a pair's key/value heads are one head, read into both halves, or two side by side), causal or not (each row
    /// then selects by its own key mask), and few keys (Lkv ≤ 8). Measured at the latent shape (4 rows, 2 keys, 8 heads) on a Zen 5: <c>Attend</c> 46–47 ns against
    /// 84–89 ns for the <c>Vector256</c> code's heads in lanes, side by side.
    /// </summary>
    public static bool IsHeadPairsShape(KernelSpec spec, int lanes) =>
        lanes == 16 && spec.HeadSize == 8 && spec.Heads % 2 == 0 && spec.Heads <= 16 && spec.Lkv <= 8;

    /// <summary>
    /// Keys side by side in a score vector of heads of 8 columns in pairs: the largest power of two whose products with
    /// a query row (Heads / 2 vectors) number at most eight — 8 keys for 2 heads, 4 for 4, 2 for 6 or 8, 1 for 10 to 16.
    /// </summary>
    public static int HeadPairsKeys(int heads)
    {
        int keys = 8;
        while (keys > 1 && keys * (heads / 2) > 8)
        {
            keys /= 2;
        }

        return keys;
    }

    /// <summary>A query row's score vectors with <see cref="KernelPlan.HeadPairs"/>: ⌈Lkv / <see cref="HeadPairsKeys"/>⌉.</summary>
    public static int HeadPairsVectors(KernelSpec spec) => (spec.Lkv + HeadPairsKeys(spec.Heads) - 1) / HeadPairsKeys(spec.Heads);

    /// <summary>The query rows a block takes through its three steps in registers with <see cref="KernelPlan.HeadPairs"/>.</summary>
    public static int HeadPairsBlockRows(KernelSpec spec) => System.Math.Min(spec.Lq, System.Math.Max(1, HeadPairsBlockVectors / HeadPairsVectors(spec)));

    /// <summary>
    /// Score vectors a block of rows keeps in registers with <see cref="KernelPlan.HeadPairs"/>: eight rows of one vector,
    /// four of two, two of three or four, one of more. Measured on a Zen 5, side by side: latent's four rows in one block
    /// 44.7–52.5 ns, two rows a turn in a loop 61–66 ns, one row a turn 71–72 ns (prototypes); 16 rows over 2 keys
    /// 165 ns in blocks of 8 rows, 178 in blocks of 4; causal latent over 6 keys (three score vectors a row) 161 ns in
    /// blocks of 2 rows, 177 in one block of 4, 204 a row at a time.
    /// </summary>
    public const int HeadPairsBlockVectors = 8;

    /// <summary>
    /// Query rows go in the vector lanes (the runtime's kernel of the tier) when there are at least two vectors of them,
    /// at least <see cref="MinQueryLanesKeys"/> keys, a head of whole pairs of vectors, and a scratch of at most
    /// <see cref="MaxQueryLanesScratch"/> floats. Measured at the medium shape on a Zen 3 (Vector256): 1.2–1.4× faster
    /// than keys in lanes with two rows sharing each read, which streamed a head's keys and values, rows 2 KB apart,
    /// from the L2 cache again for every pair of rows.
    /// </summary>
    public static bool IsQueryLanesShape(KernelSpec spec, int lanes) =>
        !IsHeadsInLanesShape(spec, lanes) && spec.Lq >= 2 * lanes && spec.Lkv >= MinQueryLanesKeys && spec.HeadSize % (2 * lanes) == 0
        && QueryLanesScratch(spec, lanes) <= MaxQueryLanesScratch;

    /// <summary>
    /// Floats the runtime's query-lanes kernel needs (its <c>ScratchLength</c>, which checks the generated size against
    /// it): scores of every key for two vectors of rows, those rows transposed, their inverse sums, their weighted sums
    /// before they are transposed back.
    /// </summary>
    public static long QueryLanesScratch(KernelSpec spec, int lanes) =>
        2L * lanes * ((long)spec.Lkv + (2L * spec.HeadSize) + 1);

    /// <summary>
    /// A single query row goes over the key rows in memory order, all heads at once (<see cref="KernelPlan.KeyRows"/>),
    /// on the x86 tiers (8 and 16 lanes; ARM64's <c>Vector128</c> tier keeps keys in lanes, its caches not measured
    /// here) when heads do not go in lanes, there are at least <see cref="MinKeyRowsKeys"/> keys, at most one vector of
    /// heads of whole vectors (at most <see cref="MaxKeyRowsHeadVectors"/> a head, at most
    /// <see cref="MaxKeyRowsProducts"/> FMAs per key row), and the scores fit a query-lanes scratch. Measured at the decode shape (32 keys, 8 heads of 64) on a Zen 4: the 128 KB
    /// of K and V read head by head (256 bytes of each 2 KB row) stream from the L2 cache at 1.7× the time of reading
    /// them in order.
    /// </summary>
    public static bool IsKeyRowsShape(KernelSpec spec, int lanes) =>
        spec.Lq == 1 && lanes >= 8 && !IsHeadsInLanesShape(spec, lanes) && spec.Lkv >= MinKeyRowsKeys
        && spec.Heads >= 2 && spec.Heads <= lanes && spec.HeadSize % lanes == 0 && spec.HeadSize / lanes <= MaxKeyRowsHeadVectors
        && (long)spec.Heads * (spec.HeadSize / lanes) <= MaxKeyRowsProducts
        && KeyRowsScores(spec, lanes) <= MaxQueryLanesScratch;

    /// <summary>
    /// Value rows a block of the weighted sum reads side by side with <see cref="KernelPlan.KeyRows"/>: as many as a score
    /// block (L / 2), halved while the attention method would pass <see cref="KeyRowsStatementBudget"/> statements; 1 (a
    /// row at a time, one loop for masked and unmasked calls) where not even two fit. Measured at the decode shape on a
    /// Zen 5 (512 bits), side by side: 1,050 ns a row at a time (each row's lines read one after the other), 884 ns in
    /// blocks of 8 rows read side by side, on aligned keys and values (prototypes reading 2 and 4 rows side by side:
    /// 1,040 and 990 ns).
    /// </summary>
    public static int KeyRowsValueRows(KernelSpec spec, int lanes)
    {
        int rows = lanes / 2;
        while (rows > 1 && KeyRowsStatements(spec, lanes, rows) > KeyRowsStatementBudget)
        {
            rows /= 2;
        }

        return rows;
    }

    /// <summary>Statements the <see cref="KernelPlan.KeyRows"/> attention method may take for value rows read in blocks;
    /// beyond, the weighted sum reads a row at a time (16 heads of 64 at 512 bits: the scores alone take about 1,500).</summary>
    public const int KeyRowsStatementBudget = 1300;

    /// <summary>
    /// Statements of the <see cref="KernelPlan.KeyRows"/> attention method with value blocks of <paramref name="valueRows"/>:
    /// per block of key rows (one reduction's worth per pair of heads, twice: the loop and its tail) a query load per head
    /// vector and an FMA per row, a store per row and pair; per head of a value block a broadcast and an FMA per row and
    /// head vector, and three times a row at a time (masked keys, the tail rows, the accumulators' loads and stores) —
    /// once with a row at a time; the softmax loops are short.
    /// </summary>
    private static long KeyRowsStatements(KernelSpec spec, int lanes, int valueRows)
    {
        long chunks = spec.HeadSize / lanes, rowsPerReduction = lanes / 2;
        long scores = 2L * spec.Heads * ((chunks * (rowsPerReduction + 1)) + rowsPerReduction);
        long values = valueRows > 1 ? (spec.Heads * valueRows * (chunks + 1)) + (3L * spec.Heads * (chunks + 2)) : spec.Heads * (chunks + 2);
        return scores + values + 60;
    }

    /// <summary>Score-buffer floats per key row with <see cref="KernelPlan.KeyRows"/>: the heads rounded up to a power of two, at least 4.</summary>
    public static int KeyRowsHeads(int heads)
    {
        int padded = 4;
        while (padded < heads)
        {
            padded *= 2;
        }

        return padded;
    }

    /// <summary>Score-buffer floats with <see cref="KernelPlan.KeyRows"/>: Lkv rows of <see cref="KeyRowsHeads"/>, in whole vectors.</summary>
    public static long KeyRowsScores(KernelSpec spec, int lanes) => RoundUp((int)System.Math.Min(int.MaxValue, (long)spec.Lkv * KeyRowsHeads(spec.Heads)), lanes);

    /// <summary>Fewer keys than this keep each head's keys in the lanes of its own code.</summary>
    public const int MinKeyRowsKeys = 16;

    /// <summary>Score FMAs per key row with <see cref="KernelPlan.KeyRows"/> (heads × head vectors).</summary>
    public const int MaxKeyRowsProducts = 64;

    /// <summary>Vectors of a head with <see cref="KernelPlan.KeyRows"/>: a pass of the weighted sum keeps at least one
    /// head's accumulators in registers (12 with AVX2's 16 registers, beside a broadcast weight and a value vector).</summary>
    public const int MaxKeyRowsHeadVectors = 12;

    /// <summary>Fewer keys than this (one tile of value rows) keep the keys in the lanes: at the caption shape (16 query rows over 49 keys)
    /// query lanes measured no faster.</summary>
    public const int MinQueryLanesKeys = 64;

    /// <summary>The largest scratch a query-lanes item may take: 1M floats (4 MB; a thread keeps up to 4M between calls).</summary>
    public const long MaxQueryLanesScratch = 1L << 20;

    /// <summary>
    /// Query rows a block of the heads-in-lanes code takes through each pass (scores, softmax, weighted sums) before the
    /// next: enough rows for their softmax chains to overlap, few enough that their score vectors (at most 8 keys each)
    /// stay in the L1 cache. Measured at the latent shape (4 rows, 2 keys, 8 heads of 8) on a Zen 4: 196–210 ns with one
    /// row taken through all three steps at a time, 152–167 ns pass by pass.
    /// </summary>
    public const int HeadsInLanesBlockRows = 8;

    /// <summary>Score FMAs per query row with heads in lanes (keys × heads × head vectors); beyond, a row is too long.</summary>
    public const int MaxHeadsInLanesProducts = 128;

    /// <summary>Bytes of one head's key (or value) rows in a tile shared by a group of paired heads: half the smallest L1
    /// data cache of the CPUs the tiers run on (32 KB), so the tile stays there while every pair reads it.</summary>
    public const int KeyTileBytes = 16 * 1024;

    /// <summary>Projections with inputs of up to this many vectors are generated (walking the inputs two vectors a turn);
    /// wider ones call the runtime's kernel of the tier.</summary>
    public const int MaxUnrolledProjectionChunks = 16;

    private static LinearPlan PlanLinear(int inputs, int outputs, int lanes) =>
        new(inputs, outputs, lanes, Generated: inputs / lanes <= MaxUnrolledProjectionChunks);
}
