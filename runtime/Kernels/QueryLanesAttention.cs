using System;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace CrossAttention.Kernels;

/// <summary>
/// One head of one batch item with the query rows in the vector lanes, for shapes with many query rows (the planner's
/// <c>QueryLanes</c> plans): written once, compiled by the JIT for each width. Rows go in blocks of two vectors
/// (16 with <c>Vector256</c>). A block's queries are transposed once (scaled), so that every score is an FMA of a
/// broadcast key element with a vector of rows — register blocks of 6 keys × 2 row vectors, no horizontal sums. The
/// softmax then runs down the keys lane by lane (each lane is one query row), and the weighted sum of values keeps the
/// rows in the lanes too: register blocks of 8 columns × 2 row vectors (6 columns with AVX2's 16 registers, the last 4
/// or 8 of a head in blocks of 4), each key's two probability vectors and 8 broadcast value elements per 16 FMAs, every value row
/// read once per block of rows where it is; the sums, scaled by the inverse sums, go back into rows through the same
/// square transposes.
/// </summary>
/// <remarks>
/// Measured at the medium shape (Lq = 32, Lkv = 256, head size 64) against the keys-in-lanes code generated before it,
/// where each pair of query rows streamed the head's keys and values again, 2 KB apart (the rows of a head share few
/// L1 sets): see the README's benchmark section. The weighted sum had rows in registers and columns in lanes (4 rows ×
/// 4 column vectors on AVX-512), over tiles of 64 value rows copied together first so that they stayed in L1 for the
/// block's 8 passes over them: 143 GFLOP/s of the 209 peak, on a Zen 5 (CPU family 26) — 58 of the 116 µs of medium
/// <c>Attend</c>; rows in lanes, reading V in place, took the call to 105 µs (processes alternated, 3 runs each:
/// 0.88–0.92×). With
/// the 256-bit tier forced (6 rows × 2 column vectors before), 232–238 → 206–210 µs.
/// Masked keys score −∞, and the weighted sum skips them, so NaN or infinity in their value rows never reaches the
/// output and a single attended key still reproduces its value row bit for bit.
/// </remarks>
internal static class QueryLanesAttention<TWidth, TVector>
    where TWidth : struct, IVectorWidth<TVector>
    where TVector : struct
{
    /// <summary>
    /// Floats of scratch one call needs: scores, transposed queries, inverse sums, the weighted sums before they are
    /// transposed (the generator's <c>KernelPlanner.QueryLanesScratch</c>).
    /// </summary>
    public static int ScratchLength(int lkv, int headSize) => 2 * TWidth.Lanes * (lkv + (2 * headSize) + 1);

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
        ref float sums = ref Unsafe.Add(ref inverses, block);           // [headSize][block]: the block's outputs, transposed
        int horizon = causal ? lkv - lq : lkv; // row i sees keys j <= i + horizon (all of them without causal)
        for (int first = 0; first < lq; first += block)
        {
            int rows = Math.Min(block, lq - first);

            // The keys the block's last row sees, and those every row of it sees.
            int keys = Math.Min(lkv, first + rows + horizon), common = Math.Min(keys, first + horizon + 1);
            ref float qBlock = ref Unsafe.Add(ref q, first * d);
            ref float oBlock = ref Unsafe.Add(ref o, first * d);
            Transpose(ref qBlock, rows, d, headSize, scale, block, ref queries);
            Scores(ref queries, ref k, keys, kvStride, headSize, block, ref keep, ref scores, out TVector max0, out TVector max1);
            for (int j = common; j < keys; j++)
            {
                // Lanes past their row's horizon: row r sees key j when first + r + horizon >= j.
                for (int r = 0; r < j - first - horizon; r++)
                {
                    Unsafe.Add(ref scores, (j * block) + r) = float.NegativeInfinity;
                }
            }

            // With causal rows some lanes have just become −∞: their maxima are found again.
            Softmax(ref scores, keys, block, ref inverses, maximaKnown: common == keys, max0, max1);
            WeightedSum(ref scores, ref v, ref oBlock, rows, common, d, kvStride, headSize, ref keep, ref inverses, ref sums);
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

    /// <summary>A Lanes × Lanes block transposed by the projection kernels' in-register transpose (<see cref="SquareTransposes"/> holds).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void SquareTranspose(float* source, nint sourceStride, float* destination, nint destinationStride)
    {
        if (TWidth.Lanes == 16)
        {
            Avx512Panel.Transpose(source, sourceStride, destination, destinationStride);
        }
        else
        {
            Avx2Panel.Transpose(source, sourceStride, destination, destinationStride);
        }
    }

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
                        SquareTranspose(from, d, to, block);
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

    /// <summary>
    /// scores[j] = the block's scores against key j (−∞ for a masked key), 6 keys × 2 row vectors at a time (12
    /// accumulators); <paramref name="max0"/> and <paramref name="max1"/>, each row lane's maximum over the attended keys,
    /// taken as the scores are stored.
    /// </summary>
    private static void Scores(ref float queries, ref float k, int lkv, int d, int headSize, int block, ref int keep, ref float scores,
                               out TVector max0, out TVector max1)
    {
        nint lanes = TWidth.Lanes;
        TVector m0 = TWidth.Create(float.NegativeInfinity), m1 = m0;
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
            ref int kj = ref Unsafe.Add(ref keep, j);
            StoreKey(ref s, a00, a01, kj, ref m0, ref m1);
            if (count > 1)
            {
                StoreKey(ref Unsafe.Add(ref s, block), a10, a11, Unsafe.Add(ref kj, 1), ref m0, ref m1);
            }

            if (count > 2)
            {
                StoreKey(ref Unsafe.Add(ref s, 2 * block), a20, a21, Unsafe.Add(ref kj, 2), ref m0, ref m1);
            }

            if (count > 3)
            {
                StoreKey(ref Unsafe.Add(ref s, 3 * block), a30, a31, Unsafe.Add(ref kj, 3), ref m0, ref m1);
            }

            if (count > 4)
            {
                StoreKey(ref Unsafe.Add(ref s, 4 * block), a40, a41, Unsafe.Add(ref kj, 4), ref m0, ref m1);
            }

            if (count > 5)
            {
                StoreKey(ref Unsafe.Add(ref s, 5 * block), a50, a51, Unsafe.Add(ref kj, 5), ref m0, ref m1);
            }
        }

        (max0, max1) = (m0, m1);
    }

    /// <summary>A key's two score vectors into its row of the buffer, −∞ when it is masked, else into the maxima.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void StoreKey(ref float s, TVector low, TVector high, int keep, ref TVector max0, ref TVector max1)
    {
        if (keep == 0)
        {
            low = high = TWidth.Create(float.NegativeInfinity);
        }
        else
        {
            // The score second: where it is NaN, x86's native max returns it (and ARM's returns NaN either way).
            max0 = TWidth.Max(max0, low);
            max1 = TWidth.Max(max1, high);
        }

        TWidth.Store(low, ref s, 0);
        TWidth.Store(high, ref s, TWidth.Lanes);
    }

    /// <summary>
    /// Per row lane, down the keys: the maximum subtracted, e^x, and the inverse of the sum in <paramref name="inverses"/>.
    /// The maxima are <paramref name="m0"/> and <paramref name="m1"/> when <paramref name="maximaKnown"/> (the scores'
    /// own, <see cref="Scores"/>), else found here.
    /// </summary>
    /// <remarks>
    /// Taking the maxima as the scores are stored saves a pass over them: medium <c>Attend</c> 1.8–1.9% faster on a Zen 5
    /// (CPU family 26), side by side in one process, three runs.
    /// </remarks>
    private static void Softmax(ref float scores, int lkv, int block, ref float inverses, bool maximaKnown, TVector m0, TVector m1)
    {
        nint lanes = TWidth.Lanes;
        if (!maximaKnown)
        {
            // Masked keys are −∞ already (Scores) and leave the maxima as they are; the score second, as there.
            m0 = m1 = TWidth.Create(float.NegativeInfinity);
            for (int j = 0; j < lkv; j++)
            {
                ref float s = ref Unsafe.Add(ref scores, j * block);
                m0 = TWidth.Max(m0, TWidth.Load(ref s, 0));
                m1 = TWidth.Max(m1, TWidth.Load(ref s, lanes));
            }
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
    /// o[r] = inverse[r] · Σ_j p[j][r] · v[j] for the block's rows over the attended keys of [0, <paramref name="lkv"/>),
    /// in key order from −0: columns in register blocks with the rows in the lanes (<paramref name="sums"/>[c][r]),
    /// then transposed into o's rows.
    /// </summary>
    private static void WeightedSum(ref float scores, ref float v, ref float o, int rows, int lkv, int d, int kvStride, int headSize,
                                    ref int keep, ref float inverses, ref float sums)
    {
        int c = 0;
        if (TWidth.Lanes != 8)
        {
            for (; c < headSize; c += 8)
            {
                EightColumns(ref scores, ref Unsafe.Add(ref v, c), lkv, kvStride, ref keep, ref inverses, ref Unsafe.Add(ref sums, c * 2 * TWidth.Lanes));
            }
        }
        else
        {
            // Head sizes are whole numbers of 16 here, so 6-column blocks leave 0, 2 or 4 columns: where they would leave
            // 2, one block fewer leaves 8, two blocks of 4.
            int sixes = (headSize / 6) - (headSize % 6 == 2 ? 1 : 0);
            for (; c < 6 * sixes; c += 6)
            {
                SixColumns(ref scores, ref Unsafe.Add(ref v, c), lkv, kvStride, ref keep, ref inverses, ref Unsafe.Add(ref sums, c * 2 * TWidth.Lanes));
            }
        }

        for (; c < headSize; c += 4)
        {
            FourColumns(ref scores, ref Unsafe.Add(ref v, c), lkv, kvStride, ref keep, ref inverses, ref Unsafe.Add(ref sums, c * 2 * TWidth.Lanes));
        }

        StoreRows(ref sums, ref o, rows, d, headSize);
    }

    /// <summary>
    /// Columns [0, 8) of <paramref name="vc"/>'s rows (16 accumulators: 8 columns × 2 row vectors), each key's two
    /// probability vectors and 8 broadcast value elements per 16 FMAs, into <paramref name="sums"/>' 8 rows.
    /// </summary>
    private static void EightColumns(ref float scores, ref float vc, int lkv, int kvStride, ref int keep, ref float inverses, ref float sums)
    {
        nint lanes = TWidth.Lanes, block = 2 * lanes;
        TVector z = TWidth.Create(-0f);
        TVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
        TVector a40 = z, a41 = z, a50 = z, a51 = z, a60 = z, a61 = z, a70 = z, a71 = z;
        for (int j = 0; j < lkv; j++)
        {
            if (Unsafe.Add(ref keep, j) == 0)
            {
                continue;
            }

            ref float p = ref Unsafe.Add(ref scores, j * block);
            ref float row = ref Unsafe.Add(ref vc, j * kvStride);
            TVector p0 = TWidth.Load(ref p, 0), p1 = TWidth.Load(ref p, lanes), b;
            b = TWidth.Create(row);
            a00 = TWidth.MultiplyAdd(b, p0, a00);
            a01 = TWidth.MultiplyAdd(b, p1, a01);
            b = TWidth.Create(Unsafe.Add(ref row, 1));
            a10 = TWidth.MultiplyAdd(b, p0, a10);
            a11 = TWidth.MultiplyAdd(b, p1, a11);
            b = TWidth.Create(Unsafe.Add(ref row, 2));
            a20 = TWidth.MultiplyAdd(b, p0, a20);
            a21 = TWidth.MultiplyAdd(b, p1, a21);
            b = TWidth.Create(Unsafe.Add(ref row, 3));
            a30 = TWidth.MultiplyAdd(b, p0, a30);
            a31 = TWidth.MultiplyAdd(b, p1, a31);
            b = TWidth.Create(Unsafe.Add(ref row, 4));
            a40 = TWidth.MultiplyAdd(b, p0, a40);
            a41 = TWidth.MultiplyAdd(b, p1, a41);
            b = TWidth.Create(Unsafe.Add(ref row, 5));
            a50 = TWidth.MultiplyAdd(b, p0, a50);
            a51 = TWidth.MultiplyAdd(b, p1, a51);
            b = TWidth.Create(Unsafe.Add(ref row, 6));
            a60 = TWidth.MultiplyAdd(b, p0, a60);
            a61 = TWidth.MultiplyAdd(b, p1, a61);
            b = TWidth.Create(Unsafe.Add(ref row, 7));
            a70 = TWidth.MultiplyAdd(b, p0, a70);
            a71 = TWidth.MultiplyAdd(b, p1, a71);
        }

        TVector i0 = TWidth.Load(ref inverses, 0), i1 = TWidth.Load(ref inverses, lanes);
        Stage(ref sums, a00, a01, i0, i1);
        Stage(ref Unsafe.Add(ref sums, block), a10, a11, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 2 * block), a20, a21, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 3 * block), a30, a31, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 4 * block), a40, a41, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 5 * block), a50, a51, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 6 * block), a60, a61, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 7 * block), a70, a71, i0, i1);
    }

    /// <summary>
    /// Columns [0, 6) of <paramref name="vc"/>'s rows (12 accumulators), the sums of <see cref="EightColumns"/> for
    /// AVX2, whose 16 registers do not hold 16 accumulators and their operands.
    /// </summary>
    private static void SixColumns(ref float scores, ref float vc, int lkv, int kvStride, ref int keep, ref float inverses, ref float sums)
    {
        nint lanes = TWidth.Lanes, block = 2 * lanes;
        TVector z = TWidth.Create(-0f);
        TVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z, a40 = z, a41 = z, a50 = z, a51 = z;
        for (int j = 0; j < lkv; j++)
        {
            if (Unsafe.Add(ref keep, j) == 0)
            {
                continue;
            }

            ref float p = ref Unsafe.Add(ref scores, j * block);
            ref float row = ref Unsafe.Add(ref vc, j * kvStride);
            TVector p0 = TWidth.Load(ref p, 0), p1 = TWidth.Load(ref p, lanes), b;
            b = TWidth.Create(row);
            a00 = TWidth.MultiplyAdd(b, p0, a00);
            a01 = TWidth.MultiplyAdd(b, p1, a01);
            b = TWidth.Create(Unsafe.Add(ref row, 1));
            a10 = TWidth.MultiplyAdd(b, p0, a10);
            a11 = TWidth.MultiplyAdd(b, p1, a11);
            b = TWidth.Create(Unsafe.Add(ref row, 2));
            a20 = TWidth.MultiplyAdd(b, p0, a20);
            a21 = TWidth.MultiplyAdd(b, p1, a21);
            b = TWidth.Create(Unsafe.Add(ref row, 3));
            a30 = TWidth.MultiplyAdd(b, p0, a30);
            a31 = TWidth.MultiplyAdd(b, p1, a31);
            b = TWidth.Create(Unsafe.Add(ref row, 4));
            a40 = TWidth.MultiplyAdd(b, p0, a40);
            a41 = TWidth.MultiplyAdd(b, p1, a41);
            b = TWidth.Create(Unsafe.Add(ref row, 5));
            a50 = TWidth.MultiplyAdd(b, p0, a50);
            a51 = TWidth.MultiplyAdd(b, p1, a51);
        }

        TVector i0 = TWidth.Load(ref inverses, 0), i1 = TWidth.Load(ref inverses, lanes);
        Stage(ref sums, a00, a01, i0, i1);
        Stage(ref Unsafe.Add(ref sums, block), a10, a11, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 2 * block), a20, a21, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 3 * block), a30, a31, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 4 * block), a40, a41, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 5 * block), a50, a51, i0, i1);
    }

    /// <summary>
    /// Columns [0, 4) of <paramref name="vc"/>'s rows (8 accumulators): on AVX2, the last 4 or 8 columns of a head whose
    /// size is not a multiple of 6 (4 columns a block throughout ran 1.3–1.5× as long as 6 at medium).
    /// </summary>
    private static void FourColumns(ref float scores, ref float vc, int lkv, int kvStride, ref int keep, ref float inverses, ref float sums)
    {
        nint lanes = TWidth.Lanes, block = 2 * lanes;
        TVector z = TWidth.Create(-0f);
        TVector a00 = z, a01 = z, a10 = z, a11 = z, a20 = z, a21 = z, a30 = z, a31 = z;
        for (int j = 0; j < lkv; j++)
        {
            if (Unsafe.Add(ref keep, j) == 0)
            {
                continue;
            }

            ref float p = ref Unsafe.Add(ref scores, j * block);
            ref float row = ref Unsafe.Add(ref vc, j * kvStride);
            TVector p0 = TWidth.Load(ref p, 0), p1 = TWidth.Load(ref p, lanes), b;
            b = TWidth.Create(row);
            a00 = TWidth.MultiplyAdd(b, p0, a00);
            a01 = TWidth.MultiplyAdd(b, p1, a01);
            b = TWidth.Create(Unsafe.Add(ref row, 1));
            a10 = TWidth.MultiplyAdd(b, p0, a10);
            a11 = TWidth.MultiplyAdd(b, p1, a11);
            b = TWidth.Create(Unsafe.Add(ref row, 2));
            a20 = TWidth.MultiplyAdd(b, p0, a20);
            a21 = TWidth.MultiplyAdd(b, p1, a21);
            b = TWidth.Create(Unsafe.Add(ref row, 3));
            a30 = TWidth.MultiplyAdd(b, p0, a30);
            a31 = TWidth.MultiplyAdd(b, p1, a31);
        }

        TVector i0 = TWidth.Load(ref inverses, 0), i1 = TWidth.Load(ref inverses, lanes);
        Stage(ref sums, a00, a01, i0, i1);
        Stage(ref Unsafe.Add(ref sums, block), a10, a11, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 2 * block), a20, a21, i0, i1);
        Stage(ref Unsafe.Add(ref sums, 3 * block), a30, a31, i0, i1);
    }

    /// <summary>A column's two vectors of row sums, each row's scaled by its inverse sum, into its row of the sums.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Stage(ref float column, TVector low, TVector high, TVector inverseLow, TVector inverseHigh)
    {
        TWidth.Store(TWidth.Multiply(low, inverseLow), ref column, 0);
        TWidth.Store(TWidth.Multiply(high, inverseHigh), ref column, TWidth.Lanes);
    }

    /// <summary>
    /// o[r][c] = sums[c][r] for the block's <paramref name="rows"/> rows: square tiles of a whole vector of rows through
    /// the in-register transposes of <see cref="Avx512Panel"/> and <see cref="Avx2Panel"/>, the rest a value at a time.
    /// </summary>
    private static unsafe void StoreRows(ref float sums, ref float o, int rows, int d, int headSize)
    {
        int lanes = TWidth.Lanes, block = 2 * lanes;
        fixed (float* source = &sums, destination = &o)
        {
            for (int half = 0; half * lanes < rows; half++)
            {
                int count = Math.Min(lanes, rows - (half * lanes));
                for (int c = 0; c < headSize; c += lanes)
                {
                    float* from = source + ((nint)c * block) + (half * lanes), to = destination + (half * lanes * (nint)d) + c;
                    if (count == lanes && SquareTransposes)
                    {
                        SquareTranspose(from, block, to, d);
                        continue;
                    }

                    for (int r = 0; r < count; r++)
                    {
                        for (int t = 0; t < lanes; t++)
                        {
                            to[(r * (nint)d) + t] = from[(t * (nint)block) + r];
                        }
                    }
                }
            }
        }
    }
}
