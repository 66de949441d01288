using System.Collections.Immutable;
using System.Globalization;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

/// <summary>
/// Decides how a shape is unrolled. Everything the emitter does differently per shape is decided here and recorded in
/// the <see cref="KernelPlan"/>, so a person (and a test) can read the decision without reading the code.
/// </summary>
internal static class KernelPlanner
{
    /// <summary>Head sizes up to this many 8-lane vectors (128 columns) are unrolled whole.</summary>
    public const int MaxUnrolledHeadChunks = 16;

    /// <summary>Statements one query row may take for its key blocks and keys to be unrolled.</summary>
    public const int KeyUnrollBudget = 480;

    /// <summary>
    /// Statements the whole per-head method may take for its query rows to be unrolled. A statement is about 8 IL
    /// instructions (a load-load-FMA is 10): 1,000 keeps a method near 8,000, far from the JIT's 20,000.
    /// </summary>
    public const int MethodBudget = 1000;

    /// <summary>Most head vectors a query row keeps in registers across key blocks (with 8 score accumulators).</summary>
    public const int MaxPreloadedQueryChunks = 4;

    /// <summary>
    /// Null when generated code can hold the shape; else why not. Every constant the generated code writes (a tensor's
    /// elements per batch item, the score buffers of up to three rows of ⌈Lkv / 8⌉ vectors) must be an <c>int</c>;
    /// <see cref="ShapeRules.Validate"/> has already bounded each tensor, this bounds the buffers.
    /// </summary>
    public static string? CheckGeneratable(int lkv)
    {
        long scoreBuffers = 3L * RoundUpTo8(lkv);
        return scoreBuffers > int.MaxValue
            ? string.Format(CultureInfo.InvariantCulture,
                "lkv = {0:N0} keys need score buffers of 3 × {1:N0} floats, more than the {2:N0} a span can index: the largest key count a kernel can be generated for is {3:N0}",
                lkv, RoundUpTo8(lkv), int.MaxValue, MaxGeneratableKeys)
            : null;
    }

    /// <summary>The most keys whose three score buffers (⌈Lkv / 8⌉ vectors each) a span can hold.</summary>
    public const int MaxGeneratableKeys = int.MaxValue / 3 / 8 * 8;

    private static long RoundUpTo8(int value) => ((long)value + 7) / 8 * 8;

    /// <summary>The plan for a shape that passed <see cref="ShapeRules.Validate"/> and <see cref="CheckGeneratable"/>.</summary>
    public static KernelPlan Plan(KernelSpec spec)
    {
        int dh = spec.HeadSize;
        int fullChunks = dh / 8;
        int loopedGroups = fullChunks > MaxUnrolledHeadChunks ? fullChunks / HeadTraversal.ChunksPerLoopedGroup : 0;
        var head = new HeadTraversal(dh, fullChunks, dh % 8, loopedGroups);

        // Sizes may be anything up to int.MaxValue: every count below is a long, so no product wraps around.
        int keyBlocks = (int)(RoundUpTo8(spec.Lkv) / 8);
        int keyTail = spec.Lkv % 8;
        int chunks = head.Chunks;
        int groupChunks = chunks < 8 ? chunks : 8;
        long valueGroups = (chunks + groupChunks - 1) / groupChunks;
        int valueSplit = groupChunks switch { 1 => 4, 2 => 2, 3 => 2, 4 => 2, _ => 1 };
        bool headUnrolled = loopedGroups == 0;

        // Statement counts of the emitted code, close enough to keep every method far inside the JIT's limits.
        long scoreBlockCost = headUnrolled ? (chunks * 9L) + 8 : (HeadTraversal.ChunksPerLoopedGroup * 9L) + ((chunks % 8) * 9L) + 16;
        long valueKeyCost = groupChunks + 3;
        long unrolledKeysRow = (keyBlocks * (scoreBlockCost + 6)) + (valueGroups * ((spec.Lkv * valueKeyCost) + (2L * groupChunks))) + 16;
        long loopedKeysRow = (2 * (scoreBlockCost + 6)) + (valueGroups * ((2 * valueKeyCost) + (2L * groupChunks) + 6)) + 32;

        // Heads in lanes: per query row, Lkv score vectors (H·dh/8 FMAs and a reduction each), then per head a broadcast
        // and dh/8 FMAs per key.
        bool headsInLanes = IsHeadsInLanesShape(spec);
        long headsInLanesRow = (spec.Lkv * (((long)spec.Heads * chunks) + 12)) + (spec.Heads * ((spec.Lkv * (chunks + 3L)) + (2L * chunks))) + (spec.Lkv * 8L) + 16;

        bool unrollKeys = headsInLanes || (headUnrolled && unrolledKeysRow <= KeyUnrollBudget);
        long rowCost = headsInLanes ? headsInLanesRow : unrollKeys ? unrolledKeysRow : loopedKeysRow;
        bool unrollQueries = spec.Lq * rowCost <= MethodBudget;
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
                unrollKeys ? $"all {Count(spec.Lkv, "key")} unrolled" : $"the {Count(spec.Lkv, "key")} in loops over {Count(keyBlocks, "block")} of 8",
                headUnrolled
                    ? $"the head dimension ({dh}) unrolled in registers"
                    : $"the head dimension ({dh}) in a loop over groups of 64 columns, each unrolled");
        }

        var projections = spec.ResolvedKvDim == spec.D
            ? ImmutableArray.Create(PlanLinear(spec.D, spec.D))
            : ImmutableArray.Create(PlanLinear(spec.D, spec.D), PlanLinear(spec.ResolvedKvDim, spec.D));
        // Keys walked in loops are read from memory for every query row: two rows sharing each read halve that traffic.
        int queryBlockRows = !unrollKeys && headUnrolled && spec.Lq >= 2 ? 2 : 1;
        return new KernelPlan(spec, headsInLanes, head, keyBlocks, keyTail, unrollQueries, unrollKeys, preload && !headsInLanes, queryBlockRows,
                              groupChunks, valueSplit, estimate, new EquatableArray<LinearPlan>(projections), info);
    }

    /// <summary>"1 key", "2 keys": a count with its noun.</summary>
    internal static string Count(long count, string noun) =>
        count.ToString(CultureInfo.InvariantCulture) + " " + (count == 1 ? noun : noun + "s");

    /// <summary>
    /// Heads go in the vector lanes when keys would fill few of them (Lkv ≤ 8) and the heads fit one vector (2 ≤ Heads
    /// ≤ 8) with whole vectors per head (dh a multiple of 8, at most 64, so a head's accumulators stay in registers),
    /// and a query row stays short.
    /// </summary>
    public static bool IsHeadsInLanesShape(KernelSpec spec) =>
        spec.Lkv <= 8 && spec.Heads is >= 2 and <= 8 && spec.HeadSize % 8 == 0 && spec.HeadSize <= 64
        && spec.Lkv * spec.Heads * (spec.HeadSize / 8) <= MaxHeadsInLanesProducts; // each factor is small here

    /// <summary>Score FMAs per query row with heads in lanes (keys × heads × head vectors); beyond, a row is too long.</summary>
    public const int MaxHeadsInLanesProducts = 128;

    /// <summary>Input vectors up to this many are unrolled whole in a projection block; beyond, a loop takes 4 a turn.</summary>
    public const int MaxUnrolledProjectionChunks = 16;

    /// <summary>
    /// 3 rows × 4 outputs keeps 12 accumulators, 3 input vectors and 1 weight vector live (all 16 registers) and loads
    /// 7 vectors per 12 FMAs (2 × 4 loaded 6 per 8: medium's projections went from 65 % to 69 % of peak); a single row (a
    /// decoder step) takes 8 outputs, 8 accumulators over one input vector.
    /// </summary>
    private static LinearPlan PlanLinear(int inputs, int outputs)
    {
        int fullChunks = inputs / 8;
        int perIteration = fullChunks > MaxUnrolledProjectionChunks ? 4 : 0;
        // A block addresses its rows at constant offsets r × inputs: for inputs past a third of int.MaxValue (a KvDim in
        // the billions, so one context row per batch item) rows go one at a time, so every offset stays an int.
        int rowBlock = 3L * inputs <= int.MaxValue ? 3 : 1;
        return new LinearPlan(inputs, outputs, fullChunks, inputs % 8, perIteration, rowBlock, OutputBlock: 4, SingleRowOutputBlock: 8);
    }
}
