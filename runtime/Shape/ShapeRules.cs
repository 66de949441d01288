// This file is compiled into both the runtime (net10.0) and the generator (netstandard2.0), so the
// rules a shape is checked against at build time and at run time can never disagree. Keep it free of
// APIs that netstandard2.0 lacks (no spans, no MathF).
using System;

namespace CrossAttention
{
    /// <summary>Why a shape is invalid; <see cref="None"/> when it is valid.</summary>
    internal enum ShapeError
    {
        None,
        NonPositiveSize,
        HeadsDoNotDivideD,
        InvalidKvDim,
        InvalidScale,
        InvalidKvHeads,
        CausalWithMoreQueries,
        TooLarge,
    }

    /// <summary>The shape rules shared by the generator and the runtime.</summary>
    internal static class ShapeRules
    {
        /// <summary>
        /// Checks a shape as the user wrote it (<paramref name="kvDim"/> 0 means D, <paramref name="scale"/> 0
        /// means 1/√dh, <paramref name="kvHeads"/> 0 means heads). On failure <paramref name="parameter"/> names the
        /// offending argument and <paramref name="message"/> says what is wrong, in words fit for a compiler diagnostic or
        /// an exception.
        /// </summary>
        public static ShapeError Validate(int lq, int lkv, int d, int heads, int kvDim, float scale, int kvHeads, bool causal,
                                          out string parameter, out string message)
        {
            if (!CheckPositive(lq, "lq", out parameter, out message)
                || !CheckPositive(lkv, "lkv", out parameter, out message)
                || !CheckPositive(d, "d", out parameter, out message)
                || !CheckPositive(heads, "heads", out parameter, out message))
            {
                return ShapeError.NonPositiveSize;
            }

            if (d % heads != 0)
            {
                parameter = "heads";
                message = $"d = {d} is not divisible by heads = {heads}: every head needs d / heads columns " +
                          $"(the nearest head counts that divide it are {NearestDivisors(d, heads)})";
                return ShapeError.HeadsDoNotDivideD;
            }

            if (kvDim < 0)
            {
                parameter = "kvDim";
                message = $"KvDim = {kvDim} is negative: it is the context feature size, > 0 (or 0 for the default, d = {d})";
                return ShapeError.InvalidKvDim;
            }

            if (float.IsNaN(scale) || float.IsInfinity(scale))
            {
                parameter = "scale";
                message = $"Scale = {scale.ToString(System.Globalization.CultureInfo.InvariantCulture)} is not finite: " +
                          "use 0 for the default 1/sqrt(head size), or any finite non-zero value";
                return ShapeError.InvalidScale;
            }

            if (kvHeads < 0 || (kvHeads > 0 && heads % kvHeads != 0))
            {
                parameter = "kvHeads";
                message = kvHeads < 0
                    ? $"KvHeads = {kvHeads} is negative: it is the number of key/value heads, a divisor of heads = {heads} (or 0 for the default, heads)"
                    : $"KvHeads = {kvHeads} does not divide heads = {heads}: each key/value head serves heads / KvHeads query heads " +
                      $"(the nearest key/value head counts that divide it are {NearestDivisors(heads, kvHeads, "heads")})";
                return ShapeError.InvalidKvHeads;
            }

            if (causal && lq > lkv)
            {
                parameter = "causal";
                message = $"Causal needs lq <= lkv: query row i sees keys 0 .. i + (lkv - lq), so with lq = {lq} > lkv = {lkv} " +
                          $"the first {lq - lkv} rows would see no key";
                return ShapeError.CausalWithMoreQueries;
            }

            long kv = kvDim == 0 ? d : kvDim;
            string? tensor = Largest(out long largest,
                ("q and output [Lq, D]", (long)lq * d),
                ("k and v [Lkv, D]", (long)lkv * d),
                ("context [Lkv, KvDim]", lkv * kv),
                ("attentionWeights [Heads, Lq, Lkv]", (long)heads * lq * lkv),
                ("the projection weights Wq and Wo [D, D]", (long)d * d),
                ("the projection weights Wk and Wv [D, KvDim]", d * kv));
            if (largest > MaxElementsPerBatch)
            {
                parameter = "d";
                message = string.Format(System.Globalization.CultureInfo.InvariantCulture,
                    "{0} would hold {1:N0} elements (per batch item), more than the {2:N0} a span can index",
                    tensor, largest, MaxElementsPerBatch);
                return ShapeError.TooLarge;
            }

            parameter = "";
            message = "";
            return ShapeError.None;
        }

        /// <summary>The most elements one tensor of one batch item (or one weight matrix) may have.</summary>
        public const long MaxElementsPerBatch = int.MaxValue;

        public static int HeadSize(int d, int heads) => d / heads;

        public static int ResolveKvDim(int d, int kvDim) => kvDim == 0 ? d : kvDim;

        public static int ResolveKvHeads(int heads, int kvHeads) => kvHeads == 0 ? heads : kvHeads;

        /// <summary>
        /// The keys query row <paramref name="row"/> sees: all <paramref name="lkv"/>, or with <paramref name="causal"/>
        /// keys 0 .. row + (lkv − lq) (aligned lower-right).
        /// </summary>
        public static int VisibleKeys(int row, int lq, int lkv, bool causal) => causal ? row + lkv - lq + 1 : lkv;

        /// <summary>The scale used: the attribute's value, or 1/√dh (rounded once to float) when it is 0.</summary>
        public static float ResolveScale(int headSize, float scale) =>
            scale == 0f ? (float)(1.0 / Math.Sqrt(headSize)) : scale;

        /// <summary>
        /// Floating-point operations of one attention call per batch item: QKᵀ and PV, 2 per multiply-add, over the
        /// (row, key) pairs attended (with <paramref name="causal"/>, only those the rows see).
        /// </summary>
        public static long AttendFlops(int lq, int lkv, int d, bool causal) =>
            4L * d * (causal ? (((long)lq * (lkv - lq)) + ((long)lq * (lq + 1) / 2)) : (long)lq * lkv);

        /// <summary>
        /// True when <c>Forward</c> on a raw context does fewer multiply-adds attending over the context itself, with
        /// <c>Wk</c> folded into the queries and <c>Wv</c> applied after the attention, than projecting every context
        /// row into keys and values first — at most three quarters as many, and at least <see cref="MinimumFoldSaving"/>
        /// fewer (the fold runs as a few more calls of the runtime's kernels, which a handful of multiply-adds does not
        /// pay for), with its buffers within <see cref="MaximumFoldBuffer"/> — and is not causal (a causal row's keys differ per row; the fold takes whole rows of keys).
        /// </summary>
        /// <remarks>
        /// Per batch item and head h (dh = D / heads, g = h's key/value head): scores
        /// <c>Q_h K_gᵀ = Q_h (C Wk_gᵀ + bk_g)ᵀ = (Q_h Wk_g) Cᵀ + Q_h bk_g</c>, and the attention
        /// <c>P_h V_g = P_h (C Wv_gᵀ + bv_g) = (P_h C) Wv_gᵀ + bv_g</c> (each row of P sums to 1). Projecting costs
        /// <c>2·Lkv·KvDim·KvHeads·dh</c> multiply-adds for K and V and <c>2·Lq·Lkv·D</c> for the attention; the fold
        /// <c>2·Lq·D·KvDim</c> (Q·Wk and Z·Wvᵀ) and <c>2·Heads·Lq·Lkv·KvDim</c> (scores and P·C over the context's
        /// KvDim). It wins when many context rows serve few queries: 0.59 of the work at medium (32 queries over 256),
        /// 0.56 at caption, 0.05 at decode and 0.016 at whisper (one query over 1,500 frames); grouped heads (K and V
        /// shared by 4 heads) and tiny shapes (latent) keep projecting.
        /// </remarks>
        public static bool ForwardsOverContext(int lq, int lkv, int d, int heads, int kvDim, int kvHeads, bool causal)
        {
            long projecting = ProjectingWork(lq, lkv, d, heads, kvDim, kvHeads), folded = FoldedWork(lq, lkv, d, heads, kvDim);
            return !causal && 4 * folded <= 3 * projecting && projecting - folded >= MinimumFoldSaving
                   && (long)heads * lq * ((long)lkv + kvDim) <= MaximumFoldBuffer;
        }

        /// <summary>
        /// The most floats the fold's per-item buffers (scores and folded queries, <c>Heads·Lq·(Lkv + KvDim)</c>) may take:
        /// a thread's kept scratch (16 MB), so a huge shape projects rather than rent hundreds of MB per call.
        /// </summary>
        public const long MaximumFoldBuffer = 4 << 20;

        /// <summary>Multiply-adds per batch item of projecting the context into K and V and attending over them (Q and output projections aside).</summary>
        public static long ProjectingWork(int lq, int lkv, int d, int heads, int kvDim, int kvHeads) =>
            (2L * lkv * kvDim * kvHeads * (d / heads)) + (2L * lq * lkv * d);

        /// <summary>Multiply-adds per batch item of attending over the raw context with Wk and Wv folded in (Q and output projections aside).</summary>
        public static long FoldedWork(int lq, int lkv, int d, int heads, int kvDim) =>
            (2L * lq * d * kvDim) + (2L * heads * lq * lkv * kvDim);

        /// <summary>The multiply-adds per batch item the fold must save (about a microsecond of 256-bit FMAs).</summary>
        public const long MinimumFoldSaving = 65536;

        private static bool CheckPositive(int value, string name, out string parameter, out string message)
        {
            if (value > 0)
            {
                parameter = "";
                message = "";
                return true;
            }

            parameter = name;
            message = $"{name} = {value} must be positive";
            return false;
        }

        /// <summary>The name and size of the largest of <paramref name="tensors"/> (the first of equals).</summary>
        private static string Largest(out long largest, params (string Name, long Elements)[] tensors)
        {
            string name = tensors[0].Name;
            largest = tensors[0].Elements;
            foreach ((string Name, long Elements) tensor in tensors)
            {
                if (tensor.Elements > largest)
                {
                    (name, largest) = tensor;
                }
            }

            return name;
        }

        /// <summary>
        /// The head counts nearest <paramref name="heads"/> that divide <paramref name="d"/>: the largest divisor below
        /// it and the smallest above it (d itself at most). Walks the divisors in pairs up to √d, so it takes at most
        /// 46,341 steps for any int.
        /// </summary>
        internal static string NearestDivisors(int d, int heads, string dividend = "d")
        {
            int below = 1;
            long above = long.MaxValue;
            for (int i = 1; (long)i * i <= d; i++)
            {
                if (d % i != 0)
                {
                    continue;
                }

                foreach (int divisor in new[] { i, d / i })
                {
                    if (divisor < heads && divisor > below)
                    {
                        below = divisor;
                    }
                    else if (divisor > heads && divisor < above)
                    {
                        above = divisor;
                    }
                }
            }

            string belowText = below.ToString(System.Globalization.CultureInfo.InvariantCulture);
            return above == long.MaxValue
                ? $"{belowText} (no head count above {heads.ToString(System.Globalization.CultureInfo.InvariantCulture)} divides {dividend})"
                : $"{belowText} and {above.ToString(System.Globalization.CultureInfo.InvariantCulture)}";
        }
    }
}
