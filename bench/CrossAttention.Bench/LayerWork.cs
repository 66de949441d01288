namespace CrossAttention.Bench;

/// <summary>
/// The work of one layer call per batch item, for GFLOP/s and the SPEC §9 bandwidth bound. A projection of
/// <c>rows</c> inputs of size <c>in</c> to size <c>out</c> costs 2·rows·in·out FLOPs (bias adds are not counted,
/// as <see cref="CrossAttentionShape.AttendFlops"/> counts no softmax work).
/// </summary>
internal static class LayerWork
{
    /// <summary><c>Forward</c> on a raw context: Q, K, V projections, attention, output projection.</summary>
    public static long ForwardFlops(CrossAttentionShape shape) => QueryAndOutputFlops(shape) + ProjectContextFlops(shape) + shape.AttendFlops;

    /// <summary>
    /// <c>Forward</c> on a raw context as the generated path computes it: where it attends over the context itself
    /// (<see cref="CrossAttentionShape.ForwardsOverContext"/>), Q and output projections, Q·Wk and Z·Wvᵀ per head, and
    /// scores and P·C over the context's width; elsewhere <see cref="ForwardFlops"/>.
    /// </summary>
    public static long GeneratedForwardFlops(CrossAttentionShape shape) =>
        shape.ForwardsOverContext
            ? QueryAndOutputFlops(shape) + (2 * Projection(shape.Lq, shape.D, shape.KvDim)) + (4L * shape.Heads * shape.Lq * shape.Lkv * shape.KvDim)
            : ForwardFlops(shape);

    /// <summary>The decoder step, <c>Forward</c> on a <see cref="ProjectedContext"/>: Q projection, attention, output projection.</summary>
    public static long StepFlops(CrossAttentionShape shape) => QueryAndOutputFlops(shape) + shape.AttendFlops;

    /// <summary><c>ProjectContext</c>: the K and V projections.</summary>
    public static long ProjectContextFlops(CrossAttentionShape shape) => 2 * Projection(shape.Lkv, shape.KvDim, shape.KeyValueWidth);

    /// <summary>
    /// The bytes of <c>Wq</c> and <c>Wo</c>, which a decoder step must read once whatever it does: at batch 1 the
    /// step is bound by streaming them (SPEC §9).
    /// </summary>
    public static long QueryAndOutputWeightBytes(CrossAttentionShape shape) => 2L * shape.D * shape.D * sizeof(float);

    private static long QueryAndOutputFlops(CrossAttentionShape shape) => 2 * Projection(shape.Lq, shape.D, shape.D);

    private static long Projection(int rows, int inputs, int outputs) => 2L * rows * inputs * outputs;
}
