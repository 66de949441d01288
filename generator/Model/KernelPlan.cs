namespace CrossAttention.Generator.Model;

/// <summary>How the head dimension (dh columns) is walked in 8-lane vectors.</summary>
/// <param name="HeadSize">dh.</param>
/// <param name="FullChunks">Whole 8-lane vectors, dh / 8.</param>
/// <param name="TailLanes">Columns left over, dh % 8 (0: none). With dh ≥ 8 the tail is one vector that overlaps the
/// previous one (read at dh − 8, lanes already counted masked off); with dh &lt; 8 it is assembled from scalars.</param>
/// <param name="LoopedGroups">Groups of 8 whole vectors walked by a loop rather than unrolled (0 for dh ≤ 256).</param>
internal sealed record HeadTraversal(int HeadSize, int FullChunks, int TailLanes, int LoopedGroups)
{
    public const int ChunksPerLoopedGroup = 8;

    public bool HasTail => TailLanes != 0;

    public int Chunks => FullChunks + (HasTail ? 1 : 0);
}

/// <summary>
/// How one projection <c>y[rows, Outputs] = x[rows, Inputs] · W[Outputs, Inputs]ᵀ + b</c> is computed: a register block
/// of <see cref="RowBlock"/> rows × <see cref="OutputBlock"/> outputs, one accumulator vector each, over the inputs in
/// 8-lane vectors (dot-product form, so W is read in its PyTorch layout), reduced once at the end of the block.
/// </summary>
/// <param name="Inputs">Input size (D or KvDim).</param>
/// <param name="Outputs">Output size (D).</param>
/// <param name="FullChunks">Whole 8-lane vectors of the input, Inputs / 8.</param>
/// <param name="TailLanes">Inputs % 8: one overlapping masked vector (or lanes assembled one by one below 8).</param>
/// <param name="ChunksPerIteration">0 when the input vectors are unrolled whole; else vectors per loop iteration.</param>
/// <param name="RowBlock">Rows per register block (rows left over take a 2-row block, then a 1-row block).</param>
/// <param name="OutputBlock">Outputs per register block of <see cref="RowBlock"/> rows.</param>
/// <param name="SingleRowOutputBlock">Outputs per register block of a single row (decoder steps are single rows).</param>
internal sealed record LinearPlan(int Inputs, int Outputs, int FullChunks, int TailLanes, int ChunksPerIteration,
                                  int RowBlock, int OutputBlock, int SingleRowOutputBlock)
{
    public string MethodName => $"Linear{Inputs}To{Outputs}";
}

/// <summary>
/// The plan for one shape: every decision the emitter follows, made once by <c>KernelPlanner</c>. New strategies
/// are new fields (or new plan kinds) here, read by the emitter; the pipeline, runtime and tests do not change.
/// </summary>
/// <param name="Spec">The shape as the user wrote it.</param>
/// <param name="HeadsInLanes">The layout of scores: false, keys in the 8 lanes of a vector (per head, one score vector
/// per 8 keys); true, heads in the lanes (per query and key, one vector holding that score for every head, so a softmax
/// step is one vector operation for all heads) — chosen for few keys and at most 8 heads, where keys would leave most
/// lanes empty.</param>
/// <param name="Head">How the head dimension is walked.</param>
/// <param name="KeyBlocks">Key blocks of 8 lanes, ceil(Lkv / 8): one score vector each.</param>
/// <param name="KeyTailLanes">Keys in the last, partial block (0: every block is full).</param>
/// <param name="UnrollQueries">Every query row is straight-line code; otherwise a loop over query rows.</param>
/// <param name="UnrollKeys">Every key block (scores) and key (weighted sum) is straight-line code, scores stay in
/// registers; otherwise loops over key blocks and keys, scores in a buffer.</param>
/// <param name="PreloadQuery">A query row's vectors are loaded once into registers and reused for every key block.</param>
/// <param name="QueryBlockRows">Query rows that share each key and value row read (1, or 2 in register blocks of 2 rows
/// × 4 keys for scores and 2 rows × 4 vectors for the weighted sum), for shapes whose keys are walked in loops.</param>
/// <param name="ValueGroupChunks">Output accumulators per pass of the weighted sum (vectors of the head).</param>
/// <param name="ValueSplit">Independent accumulator sets the keys of the weighted sum alternate between, to hide FMA
/// latency when a head has few vectors.</param>
/// <param name="EstimatedStatements">Size of the per-head method, in emitted statements.</param>
/// <param name="Projections">The distinct projections of the layer: D → D (Q and output) and, when KvDim ≠ D, KvDim → D (K and V).</param>
/// <param name="Info">An Info diagnostic message when the shape is only partly unrolled; null when fully unrolled.</param>
internal sealed record KernelPlan(
    KernelSpec Spec,
    bool HeadsInLanes,
    HeadTraversal Head,
    int KeyBlocks,
    int KeyTailLanes,
    bool UnrollQueries,
    bool UnrollKeys,
    bool PreloadQuery,
    int QueryBlockRows,
    int ValueGroupChunks,
    int ValueSplit,
    int EstimatedStatements,
    EquatableArray<LinearPlan> Projections,
    string? Info)
{
    public int FullKeyBlocks => KeyTailLanes == 0 ? KeyBlocks : KeyBlocks - 1;

    /// <summary>Floats in a score buffer row and in the key-mask buffer: one 8-lane vector per key block.</summary>
    public int ScoreBufferLength => KeyBlocks * 8;

    /// <summary>Score and key-mask buffers up to this many floats live on the stack; larger ones in the thread's scratch.</summary>
    public const int StackBufferLimit = 8192;

    public bool ScoresOnStack => ScoreBufferLength * (QueryBlockRows + 1) <= StackBufferLimit;

    public LinearPlan QueryProjection => Projections[0];

    public LinearPlan ContextProjection => Projections[Projections.Count - 1];
}
