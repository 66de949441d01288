using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CrossAttention.Kernels;

/// <summary>
/// One head of one batch item with the query rows in the vector lanes, for shapes with many query rows (the planner's
/// <c>QueryLanes</c> plans): written once, compiled by the JIT for each width. Rows go in blocks of two vectors
/// (16 with <c>Vector256</c>). A block's queries are transposed once (scaled), so that every score is an FMA of a
/// broadcast key element with a vector of rows — register blocks of 6 keys × 2 row vectors, no horizontal sums. The
/// softmax then runs down the keys lane by lane (each lane is one query row), and the weighted sum of values takes
/// register blocks of 6 rows × 2 column vectors (on the 512-bit width, for heads of a whole number of 4 vectors, 4 rows ×
/// 4 column vectors: one pass over a tile, no padding rows at 32) over tiles of 64 keys whose value rows are first
/// copied together, so that they stay in the L1 cache however far apart the rows of V are.
/// </summary>
/// <remarks>
/// Measured at the medium shape (Lq = 32, Lkv = 256, head size 64) against the keys-in-lanes code generated before it,
/// where each pair of query rows streamed the head's keys and values again, 2 KB apart (the rows of a head share few
/// L1 sets): see the README's benchmark section. The 4 × 4 block: 131–135 → 121 µs at medium on a Zen 5 (CPU family
/// 26). Masked keys score −∞ and their value rows are copied as −0, so NaN or infinity there never reaches the output
/// and a single attended key still reproduces its value row bit for bit.
/// </remarks>
internal static class QueryLanesAttention<TWidth, TVector>
    where TWidth : struct, IVectorWidth<TVector>
    where TVector : struct
{
    /// <summary>Keys per value tile.</summary>
    public const int KeyTile = 64;

    /// <summary>Floats of scratch one call needs: scores, transposed queries, inverse sums, a value tile.</summary>
    public static int ScratchLength(int lkv, int headSize) => (2 * TWidth.Lanes * (lkv + headSize + 1)) + (KeyTile * headSize);

    /// <summary>
    /// Attention of one head: <paramref name="q"/>, <paramref name="o"/> at the head's first column of query row 0,
    /// <paramref name="k"/>, <paramref name="v"/> at key row 0 (query rows are <paramref name="d"/> apart, key and value rows
    /// <paramref name="kvStride"/>: KvHeads · dh); <paramref name="w"/>
    /// at the head's [Lq, Lkv] weights when <paramref name="writeWeights"/>; <paramref name="keep"/>: −1 for attended
    /// keys (at least one), 0 for masked ones; <paramref name="scratch"/> holds <paramref name="scratchLength"/> floats
    /// (at least <see cref="ScratchLength"/>). The head size is a whole number of pairs of vectors.
    /// </summary>
    /// <remarks>
    /// With <paramref name="causal"/>, row i sees keys j ≤ i + (Lkv − Lq): a block of rows scores only up to its last
    /// row's horizon, its lanes past their own horizon get −∞, and the keys some of its rows do not see (fewer than two
    /// vectors of them) are summed row by row after the keys all of them see, so a value row past a row's horizon is
    /// never read for it. <paramref name="keep"/> is then the key mask alone; a row left without a key comes out NaN
    /// and its caller clears it.
    /// </remarks>
    public static void Attend(ref float q, ref float k, ref float v, ref float o, ref float w, bool writeWeights, ref int keep,
                              ref float scratch, int scratchLength, int lq, int lkv, int d, int kvStride, int headSize, float scale, bool causal)
    {
        // The generated size is a constant of the shape; one short of what the kernel needs would be a generator bug,
        // reported here rather than written past.
        if (scratchLength < ScratchLength(lkv, headSize))
        {
            throw new InvalidOperationException(
                $"A generated kernel gave {scratchLength} floats of scratch; Lkv = {lkv}, head size {headSize} need {ScratchLength(lkv, headSize)}.");
        }

        int lanes = TWidth.Lanes, block = 2 * lanes;
        ref float scores = ref scratch;                                 // [lkv][block]: row lanes per key
        ref float queries = ref Unsafe.Add(ref scores, lkv * block);    // [headSize][block]: the block's rows, transposed
        ref float inverses = ref Unsafe.Add(ref queries, headSize * block);
        ref float values = ref Unsafe.Add(ref inverses, block);         // [KeyTile][headSize]
        int horizon = causal ? lkv - lq : lkv; // row i sees keys j <= i + horizon (all of them without causal)
        for (int first = 0; first < lq; first += block)
        {
            int rows = Math.Min(block, lq - first);

            // The keys the block's last row sees, and those every row of it sees.
            int keys = Math.Min(lkv, first + rows + horizon), common = Math.Min(keys, first + horizon + 1);
            ref float qBlock = ref Unsafe.Add(ref q, first * d);
            ref float oBlock = ref Unsafe.Add(ref o, first * d);
            Transpose(ref qBlock, rows, d, headSize, scale, block, ref queries);
            Scores(ref queries, ref k, keys, kvStride, headSize, block, ref scores);
            for (int j = common; j < keys; j++)
            {
                // Lanes past their row's horizon: row r sees key j when first + r + horizon >= j.
                for (int r = 0; r < j - first - horizon; r++)
                {
                    Unsafe.Add(ref scores, (j * block) + r) = float.NegativeInfinity;
                }
            }

            Softmax(ref scores, keys, block, ref keep, ref inverses);
            WeightedSum(ref scores, ref v, ref oBlock, rows, common, d, kvStride, headSize, block, ref keep, ref inverses, ref values);
            for (int j = common; j < keys; j++)
            {
                if (Unsafe.Add(ref keep, j) != 0)
                {
                    AddValueRow(ref Unsafe.Add(ref scores, j * block), ref Unsafe.Add(ref v, j * kvStride), ref oBlock,
                                Math.Max(0, j - first - horizon), rows, d, headSize, ref inverses);
                }
            }

            if (writeWeights)
            {
                ref float wBlock = ref Unsafe.Add(ref w, first * lkv);
                for (int r = 0; r < rows; r++)
                {
                    // 0 past the row's horizon even in a NaN row, where e^(−∞ − NaN) is NaN.
                    float inverse = Unsafe.Add(ref inverses, r);
                    int seen = Math.Min(lkv, first + r + horizon + 1);
                    for (int j = 0; j < lkv; j++)
                    {
                        Unsafe.Add(ref wBlock, (r * lkv) + j) = j < seen && Unsafe.Add(ref keep, j) != 0 ? Unsafe.Add(ref scores, (j * block) + r) * inverse : 0f;
                    }
                }
            }
        }
    }

    /// <summary>
    /// o[r] += inverse[r] · p[r] · value row, for rows [<paramref name="from"/>, <paramref name="rows"/>) of a block: a
    /// key only some of the block's causal rows see, added after the keys all of them see.
    /// </summary>
    private static void AddValueRow(ref float p, ref float v, ref float o, int from, int rows, int d, int headSize, ref float inverses)
    {
        nint lanes = TWidth.Lanes;
        for (int r = from; r < rows; r++)
        {
            TVector weight = TWidth.Create(Unsafe.Add(ref p, r) * Unsafe.Add(ref inverses, r));
            ref float row = ref Unsafe.Add(ref o, r * d);
            for (nint c = 0; c < headSize; c += lanes)
            {
                TWidth.Store(TWidth.MultiplyAdd(weight, TWidth.Load(ref v, c), TWidth.Load(ref row, c)), ref row, c);
            }
        }
    }

    /// <summary>True when the square transposes of the projection kernels run for this width.</summary>
    private static bool SquareTransposes => TWidth.Lanes == 16 ? Avx512F.IsSupported : TWidth.Lanes == 8 && Avx.IsSupported;

    /// <summary>
    /// queries[c][r] = scale · q[r][c]; the rows past <paramref name="rows"/> are zeros. A whole block on AVX-512 or AVX
    /// goes through the in-register square transposes of <see cref="Avx512Panel"/> and <see cref="Avx2Panel"/>, then one
    /// scaling pass (the same products as one value at a time); measured on a Zen 5, the value-at-a-time copy took 12 µs
    /// of the 131 µs of medium <c>Attend</c>.
    /// </summary>
    private static unsafe void Transpose(ref float q, int rows, int d, int headSize, float scale, int block, ref float queries)
    {
        int lanes = TWidth.Lanes;
        if (rows == block && headSize % lanes == 0 && SquareTransposes)
        {
            fixed (float* source = &q, destination = &queries)
            {
                for (int half = 0; half < 2; half++)
                {
                    for (int c = 0; c < headSize; c += lanes)
                    {
                        float* from = source + (half * lanes * (nint)d) + c, to = destination + ((nint)c * block) + (half * lanes);
                        if (lanes == 16)
                        {
                            Avx512Panel.Transpose(from, d, to, block);
                        }
                        else
                        {
                            Avx2Panel.Transpose(from, d, to, block);
                        }
                    }
                }
            }

            TVector factor = TWidth.Create(scale);
            for (nint i = 0; i < headSize * block; i += lanes)
            {
                TWidth.Store(TWidth.Multiply(factor, TWidth.Load(ref queries, i)), ref queries, i);
            }

            return;
        }

        for (int r = 0; r < block; r++)
        {
            if (r < rows)
            {
                ref float row = ref Unsafe.Add(ref q, r * d);
                for (int c = 0; c < headSize; c++)
                {
                    Unsafe.Add(ref queries, (c * block) + r) = Unsafe.Add(ref row, c) * scale;
                }
            }
            else
            {
                for (int c = 0; c < headSize; c++)
                {
                    Unsafe.Add(ref queries, (c * block) + r) = 0f;
                }
            }
        }
    }

    /// <summary>scores[j] = the block's scores against key j, 6 keys × 2 row vectors at a time (12 accumulators).</summary>
    private static void Scores(ref float queries, ref float k, int lkv, int d, int headSize, int block, ref float scores)
    {
        nint lanes = TWidth.Lanes;
        for (int j = 0; j < lkv; j += 6)
        {
            // The last block may hold fewer than 6 keys: its missing keys repeat key j (computed, not stored), which
            // keeps the block at full speed where single keys would wait on one FMA chain each.
            int count = Math.Min(6, lkv - j);
            ref float k0 = ref Unsafe.Add(ref k, j * d);
            ref float k1 = ref Unsafe.Add(ref k0, count > 1 ? d : 0);
            ref float k2 = ref Unsafe.Add(ref k0, count > 2 ? 2 * d : 0);
            ref float k3 = ref Unsafe.Add(ref k0, count > 3 ? 3 * d : 0);
            ref float k4 = ref Unsafe.Add(ref k0, count > 4 ? 4 * d : 0);
            ref float k5 = ref Unsafe.Add(ref k0, count > 5 ? 5 * d : 0);
            TVector a00 = TWidth.Zero, a01 = TWidth.Zero, a10 = TWidth.Zero, a11 = TWidth.Zero, a20 = TWidth.Zero, a21 = TWidth.Zero;
            TVector a30 = TWidth.Zero, a31 = TWidth.Zero, a40 = TWidth.Zero, a41 = TWidth.Zero, a50 = TWidth.Zero, a51 = TWidth.Zero;
            ref float qc = ref queries;
            for (int c = 0; c < headSize; c++)
            {
                TVector x0 = TWidth.Load(ref qc, 0), x1 = TWidth.Load(ref qc, lanes);
                TVector b = TWidth.Create(Unsafe.Add(ref k0, c));
                a00 = TWidth.MultiplyAdd(b, x0, a00);
                a01 = TWidth.MultiplyAdd(b, x1, a01);
                b = TWidth.Create(Unsafe.Add(ref k1, c));
                a10 = TWidth.MultiplyAdd(b, x0, a10);
                a11 = TWidth.MultiplyAdd(b, x1, a11);
                b = TWidth.Create(Unsafe.Add(ref k2, c));
                a20 = TWidth.MultiplyAdd(b, x0, a20);
                a21 = TWidth.MultiplyAdd(b, x1, a21);
                b = TWidth.Create(Unsafe.Add(ref k3, c));
                a30 = TWidth.MultiplyAdd(b, x0, a30);
                a31 = TWidth.MultiplyAdd(b, x1, a31);
                b = TWidth.Create(Unsafe.Add(ref k4, c));
                a40 = TWidth.MultiplyAdd(b, x0, a40);
                a41 = TWidth.MultiplyAdd(b, x1, a41);
                b = TWidth.Create(Unsafe.Add(ref k5, c));
                a50 = TWidth.MultiplyAdd(b, x0, a50);
                a51 = TWidth.MultiplyAdd(b, x1, a51);
                qc = ref Unsafe.Add(ref qc, block);
            }

            ref float s = ref Unsafe.Add(ref scores, j * block);
            TWidth.Store(a00, ref s, 0);
            TWidth.Store(a01, ref s, lanes);
            if (count > 1)
            {
                TWidth.Store(a10, ref s, block);
                TWidth.Store(a11, ref s, block + lanes);
            }

            if (count > 2)
            {
                TWidth.Store(a20, ref s, 2 * block);
                TWidth.Store(a21, ref s, (2 * block) + lanes);
            }

            if (count > 3)
            {
                TWidth.Store(a30, ref s, 3 * block);
                TWidth.Store(a31, ref s, (3 * block) + lanes);
            }

            if (count > 4)
            {
                TWidth.Store(a40, ref s, 4 * block);
                TWidth.Store(a41, ref s, (4 * block) + lanes);
            }

            if (count > 5)
            {
                TWidth.Store(a50, ref s, 5 * block);
                TWidth.Store(a51, ref s, (5 * block) + lanes);
            }
        }
    }

    /// <summary>
    /// Per row lane, down the keys: masked keys −∞, the maximum subtracted, e^x, and the inverse of the sum in
    /// <paramref name="inverses"/>.
    /// </summary>
    private static void Softmax(ref float scores, int lkv, int block, ref int keep, ref float inverses)
    {
        nint lanes = TWidth.Lanes;
        TVector negativeInfinity = TWidth.Create(float.NegativeInfinity);
        TVector m0 = negativeInfinity, m1 = negativeInfinity;
        for (int j = 0; j < lkv; j++)
        {
            ref float s = ref Unsafe.Add(ref scores, j * block);
            if (Unsafe.Add(ref keep, j) == 0)
            {
                TWidth.Store(negativeInfinity, ref s, 0);
                TWidth.Store(negativeInfinity, ref s, lanes);
                continue;
            }

            // The score second: where it is NaN, x86's native max returns it (and ARM's returns NaN either way).
            m0 = TWidth.Max(m0, TWidth.Load(ref s, 0));
            m1 = TWidth.Max(m1, TWidth.Load(ref s, lanes));
        }

        TVector t0 = TWidth.Zero, t1 = TWidth.Zero;
        for (int j = 0; j < lkv; j++)
        {
            ref float s = ref Unsafe.Add(ref scores, j * block);
            TVector p0 = TWidth.Exp(TWidth.Subtract(TWidth.Load(ref s, 0), m0));
            TVector p1 = TWidth.Exp(TWidth.Subtract(TWidth.Load(ref s, lanes), m1));
            TWidth.Store(p0, ref s, 0);
            TWidth.Store(p1, ref s, lanes);
            t0 = TWidth.Add(t0, p0);
            t1 = TWidth.Add(t1, p1);
        }

        TWidth.Store(t0, ref inverses, 0);
        TWidth.Store(t1, ref inverses, lanes);
        for (int r = 0; r < block; r++)
        {
            Unsafe.Add(ref inverses, r) = 1f / Unsafe.Add(ref inverses, r);
        }
    }

    /// <summary>
    /// o[r] = inverse[r] · Σ_j p[j][r] · v[j] for the block's rows, over tiles of <see cref="KeyTile"/> keys: each
    /// tile's value rows copied together (masked ones as −0), then 6 rows × 2 column vectors at a time summed over the
    /// tile, the sums carried from tile to tile in the output itself.
    /// </summary>
    private static void WeightedSum(ref float scores, ref float v, ref float o, int rows, int lkv, int d, int kvStride, int headSize, int block,
                                    ref int keep, ref float inverses, ref float values)
    {
        nint lanes = TWidth.Lanes;
        TVector negativeZero = TWidth.Create(-0f);
        for (int first = 0; first < lkv; first += KeyTile)
        {
            int tile = Math.Min(KeyTile, lkv - first);
            for (int t = 0; t < tile; t++)
            {
                ref float source = ref Unsafe.Add(ref v, (first + t) * kvStride);
                ref float destination = ref Unsafe.Add(ref values, t * headSize);
                bool attended = Unsafe.Add(ref keep, first + t) != 0;
                for (nint c = 0; c < headSize; c += lanes)
                {
                    TWidth.Store(attended ? TWidth.Load(ref source, c) : negativeZero, ref destination, c);
                }
            }

            bool start = first == 0, end = first + tile == lkv;
            ref float tileScores = ref Unsafe.Add(ref scores, first * block);
            if (TWidth.Lanes == 16 && headSize % (4 * TWidth.Lanes) == 0)
            {
                // AVX-512's 32 registers hold 4 rows × 4 column vectors: one pass over the tile per 4 rows.
                for (int c = 0; c < headSize; c += 4 * TWidth.Lanes)
                {
                    for (int r = 0; r < rows; r += 4)
                    {
                        FourRows(ref tileScores, ref Unsafe.Add(ref values, c), ref Unsafe.Add(ref o, (r * d) + c), r, Math.Min(4, rows - r), tile, d,
                                 headSize, block, start, end, ref inverses);
                    }
                }

                continue;
            }

            for (int c = 0; c < headSize; c += block)
            {
                for (int r = 0; r < rows; r += 6)
                {
                    SixRows(ref tileScores, ref Unsafe.Add(ref values, c), ref Unsafe.Add(ref o, (r * d) + c), r, Math.Min(6, rows - r), tile, d,
                            headSize, block, start, end, ref inverses);
                }
            }
        }
    }

    /// <summary>
    /// Rows [r, r + <paramref name="count"/>) × columns [c, c + 2 vectors) over one tile (12 accumulators). Fewer than 6
    /// rows repeat row r in the missing ones (computed, not stored): at full speed, where single rows would each wait on
    /// one FMA chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SixRows(ref float tileScores, ref float vc, ref float o, int r, int count, int tile, int d, int headSize, int block,
                                bool start, bool end, ref float inverses)
    {
        nint lanes = TWidth.Lanes;
        ref float o1 = ref Unsafe.Add(ref o, count > 1 ? d : 0);
        ref float o2 = ref Unsafe.Add(ref o, count > 2 ? 2 * d : 0);
        ref float o3 = ref Unsafe.Add(ref o, count > 3 ? 3 * d : 0);
        ref float o4 = ref Unsafe.Add(ref o, count > 4 ? 4 * d : 0);
        ref float o5 = ref Unsafe.Add(ref o, count > 5 ? 5 * d : 0);
        int r1 = count > 1 ? 1 : 0, r2 = count > 2 ? 2 : 0, r3 = count > 3 ? 3 : 0, r4 = count > 4 ? 4 : 0, r5 = count > 5 ? 5 : 0;
        TVector a00, a01, a10, a11, a20, a21, a30, a31, a40, a41, a50, a51;
        if (start)
        {
            TVector z = TWidth.Create(-0f);
            a00 = a01 = a10 = a11 = a20 = a21 = a30 = a31 = a40 = a41 = a50 = a51 = z;
        }
        else
        {
            a00 = TWidth.Load(ref o, 0);
            a01 = TWidth.Load(ref o, lanes);
            a10 = TWidth.Load(ref o1, 0);
            a11 = TWidth.Load(ref o1, lanes);
            a20 = TWidth.Load(ref o2, 0);
            a21 = TWidth.Load(ref o2, lanes);
            a30 = TWidth.Load(ref o3, 0);
            a31 = TWidth.Load(ref o3, lanes);
            a40 = TWidth.Load(ref o4, 0);
            a41 = TWidth.Load(ref o4, lanes);
            a50 = TWidth.Load(ref o5, 0);
            a51 = TWidth.Load(ref o5, lanes);
        }

        ref float p = ref Unsafe.Add(ref tileScores, r);
        for (int t = 0; t < tile; t++)
        {
            TVector v0 = TWidth.Load(ref vc, 0), v1 = TWidth.Load(ref vc, lanes);
            TVector pr = TWidth.Create(p);
            a00 = TWidth.MultiplyAdd(pr, v0, a00);
            a01 = TWidth.MultiplyAdd(pr, v1, a01);
            pr = TWidth.Create(Unsafe.Add(ref p, r1));
            a10 = TWidth.MultiplyAdd(pr, v0, a10);
            a11 = TWidth.MultiplyAdd(pr, v1, a11);
            pr = TWidth.Create(Unsafe.Add(ref p, r2));
            a20 = TWidth.MultiplyAdd(pr, v0, a20);
            a21 = TWidth.MultiplyAdd(pr, v1, a21);
            pr = TWidth.Create(Unsafe.Add(ref p, r3));
            a30 = TWidth.MultiplyAdd(pr, v0, a30);
            a31 = TWidth.MultiplyAdd(pr, v1, a31);
            pr = TWidth.Create(Unsafe.Add(ref p, r4));
            a40 = TWidth.MultiplyAdd(pr, v0, a40);
            a41 = TWidth.MultiplyAdd(pr, v1, a41);
            pr = TWidth.Create(Unsafe.Add(ref p, r5));
            a50 = TWidth.MultiplyAdd(pr, v0, a50);
            a51 = TWidth.MultiplyAdd(pr, v1, a51);
            p = ref Unsafe.Add(ref p, block);
            vc = ref Unsafe.Add(ref vc, headSize);
        }

        if (end)
        {
            ref float inverse = ref Unsafe.Add(ref inverses, r);
            TVector i0 = TWidth.Create(inverse), i1 = TWidth.Create(Unsafe.Add(ref inverse, r1)), i2 = TWidth.Create(Unsafe.Add(ref inverse, r2));
            TVector i3 = TWidth.Create(Unsafe.Add(ref inverse, r3)), i4 = TWidth.Create(Unsafe.Add(ref inverse, r4)), i5 = TWidth.Create(Unsafe.Add(ref inverse, r5));
            a00 = TWidth.Multiply(a00, i0);
            a01 = TWidth.Multiply(a01, i0);
            a10 = TWidth.Multiply(a10, i1);
            a11 = TWidth.Multiply(a11, i1);
            a20 = TWidth.Multiply(a20, i2);
            a21 = TWidth.Multiply(a21, i2);
            a30 = TWidth.Multiply(a30, i3);
            a31 = TWidth.Multiply(a31, i3);
            a40 = TWidth.Multiply(a40, i4);
            a41 = TWidth.Multiply(a41, i4);
            a50 = TWidth.Multiply(a50, i5);
            a51 = TWidth.Multiply(a51, i5);
        }

        // Stored last to first: a missing row's o{t} is row r's, which the first pair then writes with its own sums.
        TWidth.Store(a50, ref o5, 0);
        TWidth.Store(a51, ref o5, lanes);
        TWidth.Store(a40, ref o4, 0);
        TWidth.Store(a41, ref o4, lanes);
        TWidth.Store(a30, ref o3, 0);
        TWidth.Store(a31, ref o3, lanes);
        TWidth.Store(a20, ref o2, 0);
        TWidth.Store(a21, ref o2, lanes);
        TWidth.Store(a10, ref o1, 0);
        TWidth.Store(a11, ref o1, lanes);
        TWidth.Store(a00, ref o, 0);
        TWidth.Store(a01, ref o, lanes);
    }

    /// <summary>
    /// Rows [r, r + <paramref name="count"/>) × columns [c, c + 4 vectors) over one tile (16 accumulators): the sums of
    /// <see cref="SixRows"/>, in the same order, for the 512-bit width. Fewer than 4 rows repeat row r (computed, not stored).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRows(ref float tileScores, ref float vc, ref float o, int r, int count, int tile, int d, int headSize, int block,
                                 bool start, bool end, ref float inverses)
    {
        nint lanes = TWidth.Lanes, lanes2 = 2 * lanes, lanes3 = 3 * lanes;
        ref float o1 = ref Unsafe.Add(ref o, count > 1 ? d : 0);
        ref float o2 = ref Unsafe.Add(ref o, count > 2 ? 2 * d : 0);
        ref float o3 = ref Unsafe.Add(ref o, count > 3 ? 3 * d : 0);
        int r1 = count > 1 ? 1 : 0, r2 = count > 2 ? 2 : 0, r3 = count > 3 ? 3 : 0;
        TVector a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33;
        if (start)
        {
            TVector z = TWidth.Create(-0f);
            a00 = a01 = a02 = a03 = a10 = a11 = a12 = a13 = a20 = a21 = a22 = a23 = a30 = a31 = a32 = a33 = z;
        }
        else
        {
            a00 = TWidth.Load(ref o, 0);
            a01 = TWidth.Load(ref o, lanes);
            a02 = TWidth.Load(ref o, lanes2);
            a03 = TWidth.Load(ref o, lanes3);
            a10 = TWidth.Load(ref o1, 0);
            a11 = TWidth.Load(ref o1, lanes);
            a12 = TWidth.Load(ref o1, lanes2);
            a13 = TWidth.Load(ref o1, lanes3);
            a20 = TWidth.Load(ref o2, 0);
            a21 = TWidth.Load(ref o2, lanes);
            a22 = TWidth.Load(ref o2, lanes2);
            a23 = TWidth.Load(ref o2, lanes3);
            a30 = TWidth.Load(ref o3, 0);
            a31 = TWidth.Load(ref o3, lanes);
            a32 = TWidth.Load(ref o3, lanes2);
            a33 = TWidth.Load(ref o3, lanes3);
        }

        ref float p = ref Unsafe.Add(ref tileScores, r);
        for (int t = 0; t < tile; t++)
        {
            TVector v0 = TWidth.Load(ref vc, 0), v1 = TWidth.Load(ref vc, lanes), v2 = TWidth.Load(ref vc, lanes2), v3 = TWidth.Load(ref vc, lanes3);
            TVector pr = TWidth.Create(p);
            a00 = TWidth.MultiplyAdd(pr, v0, a00);
            a01 = TWidth.MultiplyAdd(pr, v1, a01);
            a02 = TWidth.MultiplyAdd(pr, v2, a02);
            a03 = TWidth.MultiplyAdd(pr, v3, a03);
            pr = TWidth.Create(Unsafe.Add(ref p, r1));
            a10 = TWidth.MultiplyAdd(pr, v0, a10);
            a11 = TWidth.MultiplyAdd(pr, v1, a11);
            a12 = TWidth.MultiplyAdd(pr, v2, a12);
            a13 = TWidth.MultiplyAdd(pr, v3, a13);
            pr = TWidth.Create(Unsafe.Add(ref p, r2));
            a20 = TWidth.MultiplyAdd(pr, v0, a20);
            a21 = TWidth.MultiplyAdd(pr, v1, a21);
            a22 = TWidth.MultiplyAdd(pr, v2, a22);
            a23 = TWidth.MultiplyAdd(pr, v3, a23);
            pr = TWidth.Create(Unsafe.Add(ref p, r3));
            a30 = TWidth.MultiplyAdd(pr, v0, a30);
            a31 = TWidth.MultiplyAdd(pr, v1, a31);
            a32 = TWidth.MultiplyAdd(pr, v2, a32);
            a33 = TWidth.MultiplyAdd(pr, v3, a33);
            p = ref Unsafe.Add(ref p, block);
            vc = ref Unsafe.Add(ref vc, headSize);
        }

        if (end)
        {
            ref float inverse = ref Unsafe.Add(ref inverses, r);
            TVector i0 = TWidth.Create(inverse), i1 = TWidth.Create(Unsafe.Add(ref inverse, r1));
            TVector i2 = TWidth.Create(Unsafe.Add(ref inverse, r2)), i3 = TWidth.Create(Unsafe.Add(ref inverse, r3));
            a00 = TWidth.Multiply(a00, i0);
            a01 = TWidth.Multiply(a01, i0);
            a02 = TWidth.Multiply(a02, i0);
            a03 = TWidth.Multiply(a03, i0);
            a10 = TWidth.Multiply(a10, i1);
            a11 = TWidth.Multiply(a11, i1);
            a12 = TWidth.Multiply(a12, i1);
            a13 = TWidth.Multiply(a13, i1);
            a20 = TWidth.Multiply(a20, i2);
            a21 = TWidth.Multiply(a21, i2);
            a22 = TWidth.Multiply(a22, i2);
            a23 = TWidth.Multiply(a23, i2);
            a30 = TWidth.Multiply(a30, i3);
            a31 = TWidth.Multiply(a31, i3);
            a32 = TWidth.Multiply(a32, i3);
            a33 = TWidth.Multiply(a33, i3);
        }

        // Stored last to first: a missing row's o{t} is row r's, which the first row then writes with its own sums.
        TWidth.Store(a30, ref o3, 0);
        TWidth.Store(a31, ref o3, lanes);
        TWidth.Store(a32, ref o3, lanes2);
        TWidth.Store(a33, ref o3, lanes3);
        TWidth.Store(a20, ref o2, 0);
        TWidth.Store(a21, ref o2, lanes);
        TWidth.Store(a22, ref o2, lanes2);
        TWidth.Store(a23, ref o2, lanes3);
        TWidth.Store(a10, ref o1, 0);
        TWidth.Store(a11, ref o1, lanes);
        TWidth.Store(a12, ref o1, lanes2);
        TWidth.Store(a13, ref o1, lanes3);
        TWidth.Store(a00, ref o, 0);
        TWidth.Store(a01, ref o, lanes);
        TWidth.Store(a02, ref o, lanes2);
        TWidth.Store(a03, ref o, lanes3);
    }
}
