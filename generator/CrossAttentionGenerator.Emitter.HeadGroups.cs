using System.Collections.Generic;
using System.Linq;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// One query row of every head of a group sharing a key/value head (<see cref="KernelPlan.PairedHeads"/> &gt; 2):
        /// the group's keys and values are walked in tiles of <see cref="KernelPlan.KeyTile"/> rows, and each tile, read
        /// from memory once, serves every pair of heads (and an odd group's last head, alone) while it sits in the L1
        /// cache. Scores as in a pair of rows (2
        /// heads × 4 keys per register block) into one score row per head; per head its maximum, the exponential and the
        /// division by the sum, in place; the weighted sum per pair of heads in blocks of 2 heads × 4 output vectors,
        /// carried from tile to tile in the output row. The heads see the same keys: with <c>Causal</c> they read row
        /// i's key mask and stop at its horizon.
        /// </summary>
        private static void EmitHeadGroupRow(IndentedWriter w, KernelPlan plan, string rowOffset, string weightsOffset, string row)
        {
            KernelSpec spec = plan.Spec;
            int heads = plan.PairedHeads, dh = spec.HeadSize, buffer = plan.ScoreBufferLength, tile = plan.KeyTile;
            bool horizon = StopsAtHorizon(plan);
            w.Line($"ref float qi = ref Unsafe.Add(ref q, {rowOffset});");
            w.Line($"ref float oi = ref Unsafe.Add(ref o, {rowOffset});");
            EmitKeepRow(w, plan, row);

            w.Line();
            w.Line($"// Scores: tiles of {tile} keys, each read once for the {heads} heads, in blocks of 2 heads × 4 keys.");
            int whole = spec.Lkv / 4 * 4;
            if (whole > 0)
            {
                w.Open(horizon
                    ? $"for (int t = 0, end = Math.Min(seen, {Int(whole)}); t < end; t += {Int(tile)})"
                    : $"for (int t = 0; t < {Int(whole)}; t += {Int(tile)})");
                w.Line(horizon ? $"int tileEnd = Math.Min(t + {Int(tile)}, end);" : $"int tileEnd = Math.Min(t + {Int(tile)}, {Int(whole)});");
                EmitForHeadPairs(w, plan, rows =>
                {
                    w.Line($"ref float qg = ref Unsafe.Add(ref qi, g * {Int(dh)});");
                    w.Line($"ref float sg = ref Unsafe.Add(ref scores, g * {Int(buffer)});");
                    EmitSecondRow(w, rows, "sg1", "sg", buffer);
                    w.Open("for (int j = t; j < tileEnd; j += 4)");
                    w.Line($"ref float kr = ref Unsafe.Add(ref k, j * {Int(spec.KvWidth)});");
                    EmitPairScoreBlock(w, plan, 4, "(nuint)j", "qg", "sg", "sg1", maxima: false, rows);
                    w.Close();
                });
                w.Close();
            }

            if (spec.Lkv > whole)
            {
                w.Open(horizon ? $"if (seen > {Int(whole)})" : null);
                w.Line($"ref float kr = ref Unsafe.Add(ref k, {Int(whole * spec.KvWidth)});");
                EmitForHeadPairs(w, plan, rows =>
                {
                    w.Line($"ref float qg = ref Unsafe.Add(ref qi, g * {Int(dh)});");
                    w.Line($"ref float sg = ref Unsafe.Add(ref scores, g * {Int(buffer)});");
                    EmitSecondRow(w, rows, "sg1", "sg", buffer);
                    EmitPairScoreBlock(w, plan, spec.Lkv - whole, Int(whole), "qg", "sg", "sg1", maxima: false, rows);
                });
                w.Close();
            }

            // Score lanes never stored (past a causal horizon, or padding) hold anything: every read selects by the mask.
            string blocks = horizon ? $"seenBlocks * {plan.Lanes}" : Int(plan.KeyBlocks * plan.Lanes);
            w.Line();
            w.Line("// Softmax per head: the maximum over attended keys, e^(s − max) on them (0 elsewhere), divided by the sum.");
            w.Open($"for (int g = 0; g < {Int(heads)}; g++)");
            w.Line($"ref float sg = ref Unsafe.Add(ref scores, g * {Int(buffer)});");
            w.Line("V maxima = negativeInfinity;");
            w.Open($"for (int kb = 0; kb < {blocks}; kb += {plan.Lanes})");
            w.Line($"maxima = Vec.MaxNative(maxima, Vec.ConditionalSelect(Vec.LoadUnsafe(ref {Keep(plan)}, (nuint)kb).AsSingle(), Vec.LoadUnsafe(ref sg, (nuint)kb), negativeInfinity));");
            w.Close();
            w.Line("V shift = Vec.Create(P.HorizontalMax(maxima));");
            EmitSoftmaxLoop(w, plan, "sg", "shift", "inverse");
            w.Line("V inverses = Vec.Create(inverse);");
            w.Open($"for (int kb = 0; kb < {blocks}; kb += {plan.Lanes})");
            w.Line("(Vec.LoadUnsafe(ref sg, (nuint)kb) * inverses).StoreUnsafe(ref sg, (nuint)kb);");
            w.Close();
            w.Close();

            w.Line();
            w.Line($"// Weighted sum of value rows: tiles of {tile} rows, each read once for the {heads} heads, in blocks of 2 heads × 4");
            w.Line("// output vectors; each block's sums go to the output row and continue from there in the next tile.");
            string end = horizon ? "seen" : Int(spec.Lkv);
            w.Open($"for (int t = 0; t < {end}; t += {Int(tile)})");
            w.Line($"int tileEnd = Math.Min(t + {Int(tile)}, {end});");
            List<Chunk> chunks = TiledValueChunks(plan.Head);
            EmitForHeadPairs(w, plan, rows =>
            {
                w.Line($"ref float og = ref Unsafe.Add(ref oi, g * {Int(dh)});");
                EmitSecondRow(w, rows, "og1", "og", dh);
                w.Line($"ref float sg = ref Unsafe.Add(ref scores, g * {Int(buffer)});");
                EmitSecondRow(w, rows, "sg1", "sg", buffer);
                for (int start = 0; start < chunks.Count; start += 4)
                {
                    EmitTiledValueGroup(w, plan, chunks.Skip(start).Take(4).ToList(), rows);
                }
            });
            w.Close();

            w.Line();
            w.Open($"for (int g = 0; g < {Int(heads)}; g++)");
            w.Line($"ref float sg = ref Unsafe.Add(ref scores, g * {Int(buffer)});");
            EmitWeights(w, plan, $"{weightsOffset} + (g * {((long)spec.Lq * spec.Lkv).ToString(System.Globalization.CultureInfo.InvariantCulture)})", "sg", "1f", "V.One");
            w.Close();
        }

        /// <summary>
        /// <paramref name="body"/> (given the rows it covers) for each pair of the group, in a loop over <c>g</c>, the
        /// pair's first head; and for an odd group, once more for its last head alone (<c>g</c> a constant).
        /// </summary>
        private static void EmitForHeadPairs(IndentedWriter w, KernelPlan plan, System.Action<int> body)
        {
            int pairs = plan.PairedHeads / 2;
            w.Open($"for (int g = 0; g < {Int(2 * pairs)}; g += 2)");
            body(2);
            w.Close();
            if (plan.PairedHeads % 2 == 1)
            {
                w.Open();
                w.Line($"const int g = {Int(plan.PairedHeads - 1)};");
                body(1);
                w.Close();
            }
        }

        /// <summary>The second head's reference, <paramref name="offset"/> past the first's, where the body covers two.</summary>
        private static void EmitSecondRow(IndentedWriter w, int rows, string name, string first, int offset)
        {
            if (rows == 2)
            {
                w.Line($"ref float {name} = ref Unsafe.Add(ref {first}, {Int(offset)});");
            }
        }

        /// <summary>
        /// The head's vectors in the order a tiled weighted sum carries them: the tail, then the whole vector it overlaps,
        /// then the others — so the tail and that vector are always in one block, read from the output row before either
        /// is written and written tail first, and no block reads lanes another wrote out of order.
        /// </summary>
        private static List<Chunk> TiledValueChunks(HeadTraversal head)
        {
            List<Chunk> chunks = HeadChunks(head, inLoop: false);
            if (chunks.Count > 2 && chunks[0].Kind == ChunkKind.OverlapTail)
            {
                Chunk overlapped = chunks[chunks.Count - 1];
                chunks.RemoveAt(chunks.Count - 1);
                chunks.Insert(1, overlapped);
            }

            return chunks;
        }

        /// <summary>Up to 4 output vectors of a pair of heads (or the last head alone, <paramref name="rows"/> = 1) over one
        /// tile of value rows: starting from −0 at the first tile (so one attended key reproduces its value row bit for
        /// bit) and from the output row after.</summary>
        private static void EmitTiledValueGroup(IndentedWriter w, KernelPlan plan, List<Chunk> group, int rows)
        {
            string[] outputs = { "og", "og1" };
            EmitValueBlock(w, plan, group, rows, outputs, new[] { "sg", "sg1" }, "for (int j = t; j < tileEnd; j++)",
                           (r, x) => $"t == 0 ? Vec.Create(-0f) : {Load(plan, outputs[r], 0, group[x], maskTail: false)}", (r, x) => $"o{r}_{x}");
        }
    }
}
