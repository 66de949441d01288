namespace CrossAttention.Generator.Model;

/// <summary>
/// A width of generated code: the <c>Vector512</c> (AVX-512), <c>Vector256</c> (AVX2 and FMA) or <c>Vector128</c> (ARM64
/// AdvSimd) tier. The emitter writes every tier from one width-neutral description: each tier's code sits in its own
/// namespace whose aliases (<c>V</c> the vector type, <c>Vec</c> its static class, <c>P</c> the runtime's primitives of
/// that width) bind the names, and the plan of the tier decides what depends on the lane count.
/// </summary>
/// <param name="Bits">Vector width: 512, 256 or 128.</param>
internal sealed record VectorTier(int Bits)
{
    public static readonly VectorTier V512 = new(512);
    public static readonly VectorTier V256 = new(256);
    public static readonly VectorTier V128 = new(128);

    /// <summary>Widest first: the order a CPU's support is tried in.</summary>
    public static readonly VectorTier[] All = { V512, V256, V128 };

    /// <summary>Floats per vector.</summary>
    public int Lanes => Bits / 32;

    /// <summary>Vector registers the code may plan for: 32 with AVX-512 and on ARM64, 16 with AVX2.</summary>
    public int Registers => Bits == 256 ? 16 : 32;

    /// <summary>The <c>KernelPath</c> member this tier runs as.</summary>
    public string Path => "Specialized" + Bits;

    /// <summary>The runtime type of the vector (<c>Vector256</c>), its static class being the same name.</summary>
    public string Vector => "Vector" + Bits;

    /// <summary>The namespace (under <c>CrossAttention.Generated</c>) holding this tier's code.</summary>
    public string Namespace => "Tier" + Bits;

    /// <summary>The runtime class of this width's <c>exp</c>, reductions and support check.</summary>
    public string Primitives => $"Vector{Bits}Primitives";
}

/// <summary>How the head dimension (dh columns) is walked in vectors of the tier's lanes (L).</summary>
/// <param name="HeadSize">dh.</param>
/// <param name="Lanes">L, floats per vector.</param>
/// <param name="FullChunks">Whole vectors, dh / L.</param>
/// <param name="TailLanes">Columns left over, dh % L (0: none). With dh ≥ L the tail is one vector that overlaps the
/// previous one (read at dh − L, lanes already counted masked off); with dh &lt; L it is assembled from scalars.</param>
/// <param name="LoopedGroups">Groups of 8 whole vectors walked by a loop rather than unrolled (0 for dh ≤ 16 L).</param>
internal sealed record HeadTraversal(int HeadSize, int Lanes, int FullChunks, int TailLanes, int LoopedGroups)
{
    public const int ChunksPerLoopedGroup = 8;

    public bool HasTail => TailLanes != 0;

    public int Chunks => FullChunks + (HasTail ? 1 : 0);

    /// <summary>Columns one looped group covers: 8 vectors.</summary>
    public int LoopedGroupColumns => ChunksPerLoopedGroup * Lanes;
}

/// <summary>
/// How one projection <c>y[rows, Outputs] = x[rows, Inputs] · W[Outputs, Inputs]ᵀ + b</c> is computed. Inputs of up to
/// <c>KernelPlanner.MaxUnrolledProjectionChunks</c> vectors are <see cref="Generated"/>: register blocks of
/// <see cref="RowBlock"/> rows × 4 outputs (then a block of 2 rows × <see cref="PairOutputBlock"/> outputs and one of 1 row
/// × one output per lane for the rows left over), one accumulator each, over the inputs
/// two vectors a turn from references advanced to the turn's column (dot-product form, so W is read in its PyTorch
/// layout), reduced once. Wider inputs go to the runtime's kernel of the tier (<c>P.Project</c>): as fast there
/// (measured within noise at 512 and 768 inputs), while at 40–72 inputs the generated code is 1.2–1.3× faster (and
/// within 0.96–1.18× of inputs unrolled whole, which took twice the source).
/// </summary>
/// <param name="Inputs">Input size (D or KvDim).</param>
/// <param name="Outputs">Output size (D).</param>
/// <param name="Lanes">Floats per vector of the tier.</param>
/// <param name="Generated">True when this shape's file holds the projection; false when it calls the runtime's.</param>
internal sealed record LinearPlan(int Inputs, int Outputs, int Lanes, bool Generated)
{
    /// <summary>Rows of the main register block: 4 with AVX-512's 32 registers (16 accumulators), 3 with AVX2's 16 (12),
    /// and on ARM64 (not measured here).</summary>
    public int RowBlock => Lanes == 16 ? 4 : 3;

    /// <summary>Outputs of the main register block.</summary>
    public const int OutputBlock = 4;

    /// <summary>Outputs of the block of two rows left over from the main blocks: 8 (16 accumulators) with AVX-512, else 4.
    /// Measured on a Zen 5 for two rows of 64 → 64: 268 ns one row at a time, 183 ns as a pair at 256 bits; 121 ns as a
    /// pair of 8 outputs at 512 bits.</summary>
    public int PairOutputBlock => Lanes == 16 ? 8 : 4;

    public string MethodName => $"Linear{Inputs}To{Outputs}";

    /// <summary>Whole vectors of the input, Inputs / Lanes.</summary>
    public int FullChunks => Inputs / Lanes;

    /// <summary>Inputs % Lanes: one overlapping masked vector (or lanes assembled one by one below a vector).</summary>
    public int TailLanes => Inputs % Lanes;

    /// <summary>Outputs per register block of a single row (decoder steps are single rows): one vector's lanes, so its
    /// sums are one full reduction.</summary>
    public int SingleRowOutputBlock => Lanes;

    /// <summary>Whole input vectors walked by a loop of <see cref="ChunksPerIteration"/> a turn (0: all unrolled).</summary>
    public int LoopedChunks => FullChunks >= 2 * ChunksPerIteration ? FullChunks / ChunksPerIteration * ChunksPerIteration : 0;

    /// <summary>Input vectors per turn of the loop over the inputs.</summary>
    public const int ChunksPerIteration = 2;
}

/// <summary>
/// The plan for one shape: every decision the emitter follows, made once by <c>KernelPlanner</c>. New strategies
/// are new fields (or new plan kinds) here, read by the emitter; the pipeline, runtime and tests do not change.
/// </summary>
/// <param name="Spec">The shape as the user wrote it.</param>
/// <param name="Tier">The width this plan is for.</param>
/// <param name="HeadsInLanes">The layout of scores: false, keys in the L lanes of a vector (per head, one score vector
/// per L keys); true, heads in the lanes (per query and key, one vector holding that score for every head, so a softmax
/// step is one vector operation for all heads) — chosen for few keys and at most L heads, where keys would leave most
/// lanes empty.</param>
/// <param name="Head">How the head dimension is walked.</param>
/// <param name="KeyBlocks">Key blocks of L lanes, ceil(Lkv / L): one score vector each.</param>
/// <param name="KeyTailLanes">Keys in the last, partial block (0: every block is full).</param>
/// <param name="UnrollQueries">Every query row is straight-line code; otherwise a loop over query rows.</param>
/// <param name="UnrollKeys">Every key block (scores) and key (weighted sum) is straight-line code, scores stay in
/// registers; otherwise loops over key blocks and keys, scores in a buffer.</param>
/// <param name="PreloadQuery">A query row's vectors are loaded once into registers and reused for every key block.</param>
/// <param name="QueryBlockRows">Query rows that share each key and value row read (1, or 2 in register blocks of 2 rows
/// × 4 keys for scores and 2 rows × 4 vectors for the weighted sum), for shapes whose keys are walked in loops.</param>
/// <param name="PairedHeads">0, or the query heads sharing a key/value head (grouped-query attention) an item holds,
/// walked two at a time: the two rows of a block are then one query row of two heads, which see the same keys (at every
/// query row count, and with <c>Causal</c> too). With the whole group in an item (more than 2), keys and values are
/// walked in tiles of <paramref name="KeyTile"/> rows, each read from memory once for every pair of the group (and an
/// odd group's last head, alone) while it sits in the L1 cache. 0: the two rows of a block are consecutive query rows
/// of one head.</param>
/// <param name="KeyTile">Key rows per tile with more than two paired heads (a tile of one head's keys fills about 16 KB).</param>
/// <param name="ValueGroupChunks">Output accumulators per pass of the weighted sum (vectors of the head).</param>
/// <param name="ValueSplit">Independent accumulator sets the keys of the weighted sum alternate between, to hide FMA
/// latency when a head has few vectors.</param>
/// <param name="QueryLanes">Query rows in the vector lanes, by the runtime's kernel of the tier (<c>P.AttendQueryLanes</c>):
/// chosen for many query rows (at least two vectors of them) over a head of whole pairs of vectors, where every score
/// becomes an FMA of a broadcast key element with a vector of rows and the keys and values are read once per block of
/// rows rather than once per pair of rows.</param>
/// <param name="EstimatedStatements">Size of the per-head method, in emitted statements.</param>
/// <param name="Projections">The distinct projections of the layer: D → D (Q and output) and, when KvDim or KvHeads · dh differs from D, KvDim → KvHeads · dh (K and V).</param>
/// <param name="Info">An Info diagnostic message when the shape is only partly unrolled; null when fully unrolled.</param>
/// <param name="Attention">Null when this tier's code holds its own attention. Otherwise the narrower tier whose attention
/// it calls, the shape's heads or keys filling too few of this tier's lanes: this tier holds the projections alone, in
/// its own width, and every member above but <see cref="Tier"/> and <see cref="Projections"/> is that tier's.</param>
/// <param name="HeadPairs">Heads of 8 columns two to a 16-lane vector (<c>KernelPlanner.IsHeadPairsShape</c>): a score
/// vector holds every head's score for <see cref="HeadPairsKeys"/> keys side by side, the rows of a block go through
/// scores, softmax and weighted sums in registers.</param>
internal sealed record KernelPlan(
    KernelSpec Spec,
    VectorTier Tier,
    bool HeadsInLanes,
    HeadTraversal Head,
    int KeyBlocks,
    int KeyTailLanes,
    bool UnrollQueries,
    bool UnrollKeys,
    bool PreloadQuery,
    int QueryBlockRows,
    int PairedHeads,
    int KeyTile,
    int ValueGroupChunks,
    int ValueSplit,
    bool QueryLanes,
    bool KeyRows,
    int EstimatedStatements,
    EquatableArray<LinearPlan> Projections,
    string? Info,
    KernelPlan? Attention = null,
    bool HeadPairs = false)
{
    public int FullKeyBlocks => KeyTailLanes == 0 ? KeyBlocks : KeyBlocks - 1;

    /// <summary>Whether the two rows of a block are one query row of two heads (<see cref="PairedHeads"/>).</summary>
    public bool PairHeads => PairedHeads > 0;

    /// <summary>Query heads an item covers: every head with heads in lanes, the paired heads, else one.</summary>
    public int HeadsPerItem => HeadsInLanes || KeyRows || HeadPairs ? Spec.Heads : PairHeads ? PairedHeads : 1;

    /// <summary>Floats per vector of the attention's code (the tier's own, or the tier's it calls).</summary>
    public int Lanes => (Attention?.Tier ?? Tier).Lanes;

    /// <summary>Floats in a score buffer row and in the key-mask buffer: one vector per key block.</summary>
    public int ScoreBufferLength => KeyBlocks * Lanes;

    /// <summary>
    /// Score-buffer rows an item uses: none with <see cref="HeadPairs"/> (its scores stay in registers), one per query row (or paired head) sharing key reads, or with query rows in lanes as many as hold
    /// the runtime kernel's scratch (<see cref="QueryLanesScratch"/>).
    /// </summary>
    public int ScoreRows => QueryLanes ? (int)((QueryLanesScratch + ScoreBufferLength - 1) / ScoreBufferLength)
        : HeadPairs ? 0
        : HeadsInLanes ? (HeadsInLanesBlockRows * Spec.Lkv * Lanes + ScoreBufferLength - 1) / ScoreBufferLength
        : KeyRows ? (int)((KeyRowsScores + ScoreBufferLength - 1) / ScoreBufferLength)
        : PairHeads ? PairedHeads : QueryBlockRows;

    /// <summary>With <see cref="HeadPairs"/>, a score vector's keys: the most (a power of two) whose products with a query
    /// row, one vector of two heads each, are at most the eight a reduction takes.</summary>
    public int HeadPairsKeys => KernelPlanner.HeadPairsKeys(Spec.Heads);

    /// <summary>With <see cref="HeadPairs"/>, a query row's score vectors: ⌈Lkv / <see cref="HeadPairsKeys"/>⌉.</summary>
    public int HeadPairsVectors => KernelPlanner.HeadPairsVectors(Spec);

    /// <summary>With <see cref="HeadPairs"/>, the query rows a block takes through its three steps in registers.</summary>
    public int HeadPairsBlockRows => KernelPlanner.HeadPairsBlockRows(Spec);

    /// <summary>With <see cref="HeadsInLanes"/>, the query rows of a block, whose score vectors (one per key) the score
    /// buffer holds between the block's passes.</summary>
    public int HeadsInLanesBlockRows => System.Math.Min(Spec.Lq, KernelPlanner.HeadsInLanesBlockRows);

    /// <summary>With <see cref="KeyRows"/>, the score buffer's floats per key row: the heads rounded up to a power of two
    /// of at least 4, which divides the lanes, so lane t of every vector of the flat buffer is head t mod
    /// <c>KeyRowsHeads</c> (the scores go in by pairs of heads: one reduction scores L / 2 rows of a pair).</summary>
    public int KeyRowsHeads => KernelPlanner.KeyRowsHeads(Spec.Heads);

    /// <summary>With <see cref="KeyRows"/>, the floats of scores: Lkv rows of <see cref="KeyRowsHeads"/>, rounded up to
    /// whole vectors (the rows past Lkv score −∞).</summary>
    public long KeyRowsScores => KernelPlanner.KeyRowsScores(Spec, Lanes);

    /// <summary>Floats the runtime's query-lanes kernel needs (<c>KernelPlanner.QueryLanesScratch</c>).</summary>
    public long QueryLanesScratch => KernelPlanner.QueryLanesScratch(Spec, Lanes);

    public LinearPlan QueryProjection => Projections[0];

    public LinearPlan ContextProjection => Projections[Projections.Count - 1];
}

/// <summary>
/// Everything generated for one shape: the plan of each tier emitted, widest first, and which of them each width runs.
/// A tier whose vectors neither the attention nor the projections can fill would be the next narrower tier's code: it
/// is not emitted, and CPUs of that width run the narrower tier. One only the projections fill calls the narrower
/// tier's attention (<see cref="KernelPlan.Attention"/>).
/// </summary>
/// <param name="Spec">The shape as the user wrote it.</param>
/// <param name="Tiers">The distinct tiers emitted, widest first; the narrowest (<c>Vector128</c>) always.</param>
/// <param name="Info">An Info diagnostic message when the shape is only partly unrolled; null when fully unrolled.</param>
internal sealed record ShapePlan(KernelSpec Spec, EquatableArray<KernelPlan> Tiers, string? Info)
{
    /// <summary>The tier CPUs of <paramref name="width"/> run: the widest emitted not wider than it.</summary>
    public KernelPlan For(VectorTier width)
    {
        foreach (KernelPlan plan in Tiers)
        {
            if (plan.Tier.Bits <= width.Bits)
            {
                return plan;
            }
        }

        return Tiers[Tiers.Count - 1];
    }
}
