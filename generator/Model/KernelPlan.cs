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

    /// <summary>Whole vectors after the looped groups, unrolled with constant offsets.</summary>
    public int UnrolledFullChunks => FullChunks - (LoopedGroups * ChunksPerLoopedGroup);

    public int Chunks => FullChunks + (HasTail ? 1 : 0);
}

/// <summary>
/// The plan for one shape: every decision the emitter follows, made once by <c>KernelPlanner</c>. New strategies
/// are new fields (or new plan kinds) here, read by the emitter; the pipeline, runtime and tests do not change.
/// </summary>
/// <param name="Spec">The shape as the user wrote it.</param>
/// <param name="Head">How the head dimension is walked.</param>
/// <param name="KeyBlocks">Key blocks of 8 lanes, ceil(Lkv / 8): one score vector each.</param>
/// <param name="KeyTailLanes">Keys in the last, partial block (0: every block is full).</param>
/// <param name="UnrollQueries">Every query row is straight-line code; otherwise a loop over query rows.</param>
/// <param name="UnrollKeys">Every key block (scores) and key (weighted sum) is straight-line code, scores stay in
/// registers; otherwise loops over key blocks and keys, scores in a buffer.</param>
/// <param name="PreloadQuery">A query row's vectors are loaded once into registers and reused for every key block.</param>
/// <param name="ValueGroupChunks">Output accumulators per pass of the weighted sum (vectors of the head).</param>
/// <param name="ValueSplit">Independent accumulator sets the keys of the weighted sum alternate between, to hide FMA
/// latency when a head has few vectors.</param>
/// <param name="EstimatedStatements">Size of the per-head method, in emitted statements.</param>
/// <param name="Info">An Info diagnostic message when the shape is only partly unrolled; null when fully unrolled.</param>
internal sealed record KernelPlan(
    KernelSpec Spec,
    HeadTraversal Head,
    int KeyBlocks,
    int KeyTailLanes,
    bool UnrollQueries,
    bool UnrollKeys,
    bool PreloadQuery,
    int ValueGroupChunks,
    int ValueSplit,
    int EstimatedStatements,
    string? Info)
{
    public int FullKeyBlocks => KeyTailLanes == 0 ? KeyBlocks : KeyBlocks - 1;

    /// <summary>Floats in the per-call score and key-mask buffers: one 8-lane vector per key block.</summary>
    public int ScoreBufferLength => KeyBlocks * 8;

    /// <summary>Key counts up to this keep the score buffer on the stack; longer rows rent it from the pool.</summary>
    public const int StackBufferLimit = 4096;

    public bool ScoresOnStack => ScoreBufferLength <= StackBufferLimit;
}
