using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using CrossAttention.Generator.Model;

namespace CrossAttention.Generator;

public sealed partial class CrossAttentionGenerator
{
    internal static partial class Emitter
    {
        /// <summary>
        /// Keys in the vector lanes: per head of a batch item, each query row's scores L keys at a time (one FMA
        /// accumulator per key over the head, reduced to one vector of L scores), the softmax over those vectors, the
        /// weighted sum of value rows. Two query rows share each key read when keys are walked in loops (QueryPairs).
        /// </summary>
        private static void EmitHeadKernel(IndentedWriter w, KernelPlan plan, CancellationToken cancellationToken)
        {
            KernelSpec spec = plan.Spec;
            w.Line("/// <summary>");
            w.Line(plan.PairHeads
                ? $"/// {plan.PairedHeads} heads of one batch item sharing a key/value head. <paramref name=\"q\"/>, <paramref name=\"o\"/> point at the first head's first column of query row 0,"
                : $"/// One head of one batch item. <paramref name=\"q\"/>, <paramref name=\"o\"/> point at the head's first column of query row 0,");
            w.Line(plan.PairHeads
                ? $"/// <paramref name=\"k\"/>, <paramref name=\"v\"/> at key row 0 (row stride {spec.KvWidth}); <paramref name=\"w\"/> at the heads' [{plan.PairedHeads}, {spec.Lq}, {spec.Lkv}] weights."
                : $"/// <paramref name=\"k\"/>, <paramref name=\"v\"/> at key row 0 (row stride {spec.KvWidth}); <paramref name=\"w\"/> at the head's [{spec.Lq}, {spec.Lkv}] weights.");
            w.Line("/// <paramref name=\"keep\"/>: −1 for keys attended, 0 for masked keys and padding lanes; <paramref name=\"scores\"/>: scratch.");
            w.Line("/// </summary>");
            EmitAttendItemSignature(w);
            w.Open();
            w.Line($"V scale = Vec.Create({FloatLiteral(spec.ResolvedScale)});");
            w.Line("V negativeInfinity = Vec.Create(float.NegativeInfinity);");
            if (plan.Head.HasTail && plan.Head.FullChunks > 0)
            {
                w.Line($"V tailMask = {TailMask(plan.Head.TailLanes, plan.Lanes)};");
            }

            if (plan.QueryBlockRows == 2)
            {
                w.Line($"Vector128<float> scale4 = Vector128.Create({FloatLiteral(spec.ResolvedScale)}), negativeInfinity4 = Vector128.Create(float.NegativeInfinity);");
            }

            if (plan.PairHeads)
            {
                // Each query row (of the item's heads) in turn: the heads' rows at one index see the same keys.
                EmitQueryRows(w, plan, plan.PairedHeads > 2 ? EmitHeadGroupRow : EmitQueryPair, cancellationToken);
            }
            else if (plan.QueryBlockRows == 2)
            {
                w.Line();
                w.Open($"for (int i = 0; i + 1 < {spec.Lq}; i += 2)");
                EmitQueryPair(w, plan, $"i * {spec.D}", $"i * {spec.Lkv}", "i");
                w.Close();
                if (spec.Lq % 2 == 1)
                {
                    w.Line();
                    w.Line($"// The last query row, alone");
                    w.Open();
                    EmitQueryRow(w, plan, Int((spec.Lq - 1) * spec.D), Int((spec.Lq - 1) * spec.Lkv), Int(spec.Lq - 1));
                    w.Close();
                }
            }
            else
            {
                EmitQueryRows(w, plan, EmitQueryRow, cancellationToken);
            }

            w.Close();
        }

        /// <summary>
        /// The query rows of a kernel: each its own block of straight-line code when the plan unrolls them, else one
        /// loop. <paramref name="emitRow"/> writes a row given its offsets in q/o and in the weights, and its index (a
        /// causal kernel's <c>keep</c> holds one mask per query row, and a row sees keys up to a bound of its own).
        /// </summary>
        private static void EmitQueryRows(IndentedWriter w, KernelPlan plan, System.Action<IndentedWriter, KernelPlan, string, string, string> emitRow,
                                          CancellationToken cancellationToken)
        {
            KernelSpec spec = plan.Spec;
            if (plan.UnrollQueries)
            {
                for (int i = 0; i < spec.Lq; i++)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    w.Line();
                    w.Line($"// Query row {i}");
                    w.Open();
                    emitRow(w, plan, Int(i * spec.D), Int(i * spec.Lkv), Int(i));
                    w.Close();
                }
            }
            else
            {
                w.Line();
                w.Open($"for (int i = 0; i < {spec.Lq}; i++)");
                emitRow(w, plan, $"i * {spec.D}", $"i * {spec.Lkv}", "i");
                w.Close();
            }
        }

        /// <summary>
        /// The key mask a row's code reads: <c>keep</c>, or with <c>Causal</c> the row's own, <c>keepRow</c> (the keys it
        /// sees and attends), set up by <see cref="EmitKeepRow"/>.
        /// </summary>
        private static string Keep(KernelPlan plan) => plan.Spec.Causal ? "keepRow" : "keep";

        /// <summary>
        /// A causal row's key mask, row <paramref name="row"/> of the [Lq, ScoreBufferLength] masks the runtime fills;
        /// where keys are walked in loops, also <c>seen</c>, the keys the row sees (Lkv − Lq + 1 + row): the loops stop
        /// there, so the keys past the row's horizon cost nothing.
        /// </summary>
        private static void EmitKeepRow(IndentedWriter w, KernelPlan plan, string row)
        {
            KernelSpec spec = plan.Spec;
            if (!spec.Causal)
            {
                return;
            }

            bool constant = int.TryParse(row, NumberStyles.None, CultureInfo.InvariantCulture, out int index);
            w.Line($"ref int keepRow = ref Unsafe.Add(ref keep, {(constant ? Int(index * plan.ScoreBufferLength) : $"{row} * {plan.ScoreBufferLength}")});");
            if (!plan.UnrollKeys)
            {
                int offset = spec.VisibleKeys(0); // row i sees VisibleKeys(0) + i keys
                w.Line($"int seen = {(constant ? Int(spec.VisibleKeys(index)) : $"{row} + {offset}")}, seenBlocks = (seen + {plan.Lanes - 1}) / {plan.Lanes};");
            }
        }

        /// <summary>Whether the row's key loops stop at its causal horizon (<c>seen</c>) rather than at Lkv.</summary>
        private static bool StopsAtHorizon(KernelPlan plan) => plan.Spec.Causal && !plan.UnrollKeys;

        private static void EmitQueryRow(IndentedWriter w, KernelPlan plan, string rowOffset, string weightsOffset, string row)
        {
            KernelSpec spec = plan.Spec;
            int lanes = plan.Lanes;
            w.Line($"ref float qi = ref Unsafe.Add(ref q, {rowOffset});");
            w.Line($"ref float oi = ref Unsafe.Add(ref o, {rowOffset});");
            EmitKeepRow(w, plan, row);
            List<Chunk> headChunks = HeadChunks(plan.Head, inLoop: false);
            if (plan.PreloadQuery)
            {
                for (int x = 0; x < headChunks.Count; x++)
                {
                    w.Line($"V q{x} = {Load(plan, "qi", 0, headChunks[x], maskTail: true)};");
                }
            }

            w.Line();
            w.Line($"// Scores: {lanes} keys per vector, one accumulator per key over the head, reduced in one go.");
            if (plan.UnrollKeys)
            {
                for (int kb = 0; kb < plan.KeyBlocks; kb++)
                {
                    // A causal row skips the blocks wholly past its horizon: row i sees key j ≤ i + Lkv − Lq, so block
                    // kb from row kb · L − (Lkv − Lq) on. Their scores stay −∞, which the softmax turns into 0. (Only
                    // rows in a loop have such blocks: a single row, Lq = 1, sees every key.)
                    long firstRow = ((long)kb * lanes) - (spec.Lkv - spec.Lq);
                    w.Line(spec.Causal && firstRow > 0 ? $"V s{kb} = negativeInfinity;" : $"V s{kb};");
                    w.Open(spec.Causal && firstRow > 0 ? $"if ({row} >= {firstRow.ToString(CultureInfo.InvariantCulture)})" : null);

                    EmitScoreBlock(w, plan, KeysIn(plan, kb), "k", kb * lanes * spec.KvWidth, $"s{kb}", Int(kb * lanes));
                    w.Close();
                }

                w.Line($"float max = P.HorizontalMax({Tree("Vec.MaxNative", Enumerable.Range(0, plan.KeyBlocks).Select(kb => $"s{kb}").ToList())});");
            }
            else
            {
                w.Line("V maxima = negativeInfinity;");
                if (plan.FullKeyBlocks > 0)
                {
                    w.Open(StopsAtHorizon(plan)
                        ? $"for (int kb = 0, blocks = Math.Min(seenBlocks, {plan.FullKeyBlocks}); kb < blocks; kb++)"
                        : $"for (int kb = 0; kb < {plan.FullKeyBlocks}; kb++)");
                    w.Line($"ref float kr = ref Unsafe.Add(ref k, kb * {lanes * spec.KvWidth});");
                    EmitScoreBlock(w, plan, lanes, "kr", 0, "V s", $"(nuint)(kb * {lanes})");
                    w.Line($"s.StoreUnsafe(ref scores, (nuint)(kb * {lanes}));");
                    w.Line("maxima = Vec.MaxNative(maxima, s);");
                    w.Close();
                }

                if (plan.KeyTailLanes > 0)
                {
                    int kb = plan.KeyBlocks - 1;
                    w.Open(StopsAtHorizon(plan) ? $"if (seenBlocks > {plan.FullKeyBlocks})" : null);
                    EmitScoreBlock(w, plan, plan.KeyTailLanes, "k", kb * lanes * spec.KvWidth, "V s", Int(kb * lanes));
                    w.Line($"s.StoreUnsafe(ref scores, {kb * lanes});");
                    w.Line("maxima = Vec.MaxNative(maxima, s);");
                    w.Close();
                }

                w.Line("float max = P.HorizontalMax(maxima);");
            }

            w.Line();
            EmitSoftmax(w, plan);
            w.Line();
            EmitWeightedSum(w, plan);
            w.Line();
            EmitWeights(w, plan, weightsOffset);
        }

        /// <summary>
        /// Scores of <paramref name="keys"/> keys against the query row: <c>{target} = scale · (q · k_t)</c> per lane t,
        /// masked keys and padding lanes set to −∞ (selected, never multiplied, so NaN in a masked key stays out).
        /// </summary>
        private static void EmitScoreBlock(IndentedWriter w, KernelPlan plan, int keys, string keyRef, int keyRowBase,
                                           string target, string keepOffset)
        {
            KernelSpec spec = plan.Spec;
            HeadTraversal head = plan.Head;
            List<Chunk> chunks = HeadChunks(head, inLoop: false);
            bool first = true;
            if (head.LoopedGroups > 0)
            {
                for (int t = 0; t < keys; t++)
                {
                    w.Line($"V a{t} = V.Zero;");
                }

                int columns = head.LoopedGroups * head.LoopedGroupColumns;
                w.Open($"for (int c = 0; c < {columns}; c += {head.LoopedGroupColumns})");
                EmitScoreChunks(w, plan, LoopedChunks(HeadTraversal.ChunksPerLoopedGroup, head.Lanes), keys, keyRef, keyRowBase, preloaded: false, ref first, accumulate: true);
                w.Close();
                chunks = chunks.Where(chunk => chunk.Kind != ChunkKind.Full || chunk.Offset >= columns).ToList();
            }

            EmitScoreChunks(w, plan, chunks, keys, keyRef, keyRowBase, plan.PreloadQuery, ref first, accumulate: head.LoopedGroups > 0);
            w.Line($"{target} = P.Reduce({ReduceArguments("a", keys, plan.Lanes)}) * scale;");
            string name = target.Split(' ').Last();
            w.Line($"{name} = Vec.ConditionalSelect(Vec.LoadUnsafe(ref {Keep(plan)}, {keepOffset}).AsSingle(), {name}, negativeInfinity);");
        }

        private static void EmitScoreChunks(IndentedWriter w, KernelPlan plan, List<Chunk> chunks, int keys, string keyRef,
                                            int keyRowBase, bool preloaded, ref bool first, bool accumulate)
        {
            KernelSpec spec = plan.Spec;
            List<Chunk> all = HeadChunks(plan.Head, inLoop: false);
            foreach (Chunk chunk in chunks)
            {
                string query;
                if (preloaded)
                {
                    query = $"q{all.IndexOf(chunk)}";
                }
                else
                {
                    query = $"qc{(chunk.InLoop ? "l" : "")}{chunk.Offset}";
                    w.Line($"V {query} = {Load(plan, "qi", 0, chunk, maskTail: true)};");
                }

                for (int t = 0; t < keys; t++)
                {
                    string key = Load(plan, keyRef, keyRowBase + (t * spec.KvWidth), chunk, maskTail: true);
                    w.Line(first && !accumulate
                        ? $"V a{t} = {query} * {key};"
                        : $"a{t} = Vec.FusedMultiplyAdd({query}, {key}, a{t});");
                }

                first = false;
            }
        }

        /// <summary>p = e^(s − max), masked lanes 0, stored to the score buffer; <c>inverse</c> = 1 / Σp.</summary>
        private static void EmitSoftmax(IndentedWriter w, KernelPlan plan)
        {
            w.Line("// Softmax: subtract the row maximum, exponentiate, keep attended lanes only.");
            w.Line("V shift = Vec.Create(max);");
            if (plan.UnrollKeys)
            {
                for (int kb = 0; kb < plan.KeyBlocks; kb++)
                {
                    w.Line($"V p{kb} = P.Exp(s{kb} - shift) & Vec.LoadUnsafe(ref {Keep(plan)}, {kb * plan.Lanes}).AsSingle();");
                    w.Line($"p{kb}.StoreUnsafe(ref scores, {kb * plan.Lanes});");
                }

                w.Line($"float inverse = 1f / P.HorizontalSum({Tree("+", Enumerable.Range(0, plan.KeyBlocks).Select(kb => $"p{kb}").ToList())});");
            }
            else
            {
                EmitSoftmaxLoop(w, plan, "scores", "shift", "inverse");
            }

            w.Line("V inverses = Vec.Create(inverse);");
        }

        /// <summary>The softmax of a score buffer row in place: p = e^(s − max) on attended lanes, 0 elsewhere; declares
        /// <paramref name="inverse"/> = 1 / Σp.</summary>
        private static void EmitSoftmaxLoop(IndentedWriter w, KernelPlan plan, string scores, string shift, string inverse)
        {
            w.Line($"V {inverse}Total = V.Zero;");
            w.Open(StopsAtHorizon(plan)
                ? $"for (int kb = 0; kb < seenBlocks * {plan.Lanes}; kb += {plan.Lanes})"
                : $"for (int kb = 0; kb < {plan.KeyBlocks * plan.Lanes}; kb += {plan.Lanes})");
            w.Line($"V p = P.Exp(Vec.LoadUnsafe(ref {scores}, (nuint)kb) - {shift}) & Vec.LoadUnsafe(ref {Keep(plan)}, (nuint)kb).AsSingle();");
            w.Line($"p.StoreUnsafe(ref {scores}, (nuint)kb);");
            w.Line($"{inverse}Total += p;");
            w.Close();
            w.Line($"float {inverse} = 1f / P.HorizontalSum({inverse}Total);");
        }

        /// <summary>
        /// output = inverse · Σ_j p_j v_j over attended keys only (a masked key's value row is never read). Accumulators
        /// start at −0, the identity of +, so one attended key reproduces its value row bit for bit.
        /// </summary>
        private static void EmitWeightedSum(IndentedWriter w, KernelPlan plan)
        {
            KernelSpec spec = plan.Spec;
            HeadTraversal head = plan.Head;
            w.Line("// Weighted sum of value rows.");
            List<Chunk> chunks = HeadChunks(head, inLoop: false);

            // The overlapping tail goes first, in the first group, so the whole vectors stored after it overwrite the
            // lanes it shares with them.
            if (head.LoopedGroups > 0)
            {
                int columns = head.LoopedGroups * head.LoopedGroupColumns;
                List<Chunk> remainder = chunks.Where(chunk => chunk.Kind != ChunkKind.Full || chunk.Offset >= columns).ToList();
                if (remainder.Count > 0)
                {
                    EmitValueGroup(w, plan, remainder);
                }

                w.Open($"for (int c = 0; c < {columns}; c += {head.LoopedGroupColumns})");
                EmitValueGroup(w, plan, LoopedChunks(HeadTraversal.ChunksPerLoopedGroup, head.Lanes));
                w.Close();
            }
            else
            {
                for (int start = 0; start < chunks.Count; start += plan.ValueGroupChunks)
                {
                    EmitValueGroup(w, plan, chunks.Skip(start).Take(plan.ValueGroupChunks).ToList());
                }
            }
        }

        private static void EmitValueGroup(IndentedWriter w, KernelPlan plan, List<Chunk> group)
        {
            KernelSpec spec = plan.Spec;
            int split = plan.UnrollKeys ? System.Math.Min(plan.ValueSplit, spec.Lkv) : System.Math.Min(System.Math.Min(plan.ValueSplit, 2), spec.Lkv);
            w.Open();
            for (int set = 0; set < split; set++)
            {
                for (int x = 0; x < group.Count; x++)
                {
                    w.Line($"V o{set}_{x} = Vec.Create(-0f);");
                }
            }

            if (plan.UnrollKeys)
            {
                for (int j = 0; j < spec.Lkv; j++)
                {
                    EmitValueKey(w, plan, group, Int(j), "v", j * spec.KvWidth, j % split);
                }
            }
            else if (split == 2 && StopsAtHorizon(plan))
            {
                w.Line("int j = 0;");
                w.Open("for (; j + 1 < seen; j += 2)");
                w.Line($"ref float vr = ref Unsafe.Add(ref v, j * {spec.KvWidth});");
                EmitValueKey(w, plan, group, "j", "vr", 0, 0);
                EmitValueKey(w, plan, group, "j + 1", "vr", spec.KvWidth, 1);
                w.Close();
                w.Open("if (j < seen)");
                w.Line($"ref float vr = ref Unsafe.Add(ref v, j * {spec.KvWidth});");
                EmitValueKey(w, plan, group, "j", "vr", 0, 0);
                w.Close();
            }
            else if (split == 2)
            {
                w.Open($"for (int j = 0; j < {spec.Lkv - 1}; j += 2)");
                w.Line($"ref float vr = ref Unsafe.Add(ref v, j * {spec.KvWidth});");
                EmitValueKey(w, plan, group, "j", "vr", 0, 0);
                EmitValueKey(w, plan, group, "j + 1", "vr", spec.KvWidth, 1);
                w.Close();
                if (spec.Lkv % 2 == 1)
                {
                    EmitValueKey(w, plan, group, Int(spec.Lkv - 1), "v", (spec.Lkv - 1) * spec.KvWidth, 0);
                }
            }
            else
            {
                w.Open(StopsAtHorizon(plan) ? "for (int j = 0; j < seen; j++)" : $"for (int j = 0; j < {spec.Lkv}; j++)");
                w.Line($"ref float vr = ref Unsafe.Add(ref v, j * {spec.KvWidth});");
                EmitValueKey(w, plan, group, "j", "vr", 0, 0);
                w.Close();
            }

            for (int x = 0; x < group.Count; x++)
            {
                string sum = Tree("+", Enumerable.Range(0, split).Select(set => $"o{set}_{x}").ToList());
                EmitStore(w, plan, "oi", group[x], $"({sum} * inverses)");
            }

            w.Close();
        }

        private static void EmitValueKey(IndentedWriter w, KernelPlan plan, List<Chunk> group, string key, string valueRef, int rowBase, int set)
        {
            w.Open($"if (Unsafe.Add(ref {Keep(plan)}, {key}) != 0)");
            w.Line($"V p = Vec.Create(Unsafe.Add(ref scores, {key}));");
            for (int x = 0; x < group.Count; x++)
            {
                w.Line($"o{set}_{x} = Vec.FusedMultiplyAdd(p, {Load(plan, valueRef, rowBase, group[x], maskTail: false)}, o{set}_{x});");
            }

            w.Close();
        }

        /// <summary>attentionWeights row = p · inverse, from the score buffer.</summary>
        private static void EmitWeights(IndentedWriter w, KernelPlan plan, string weightsOffset,
                                        string scores = "scores", string inverse = "inverse", string inverses = "inverses")
        {
            KernelSpec spec = plan.Spec;
            int lanes = plan.Lanes;
            string keep = Keep(plan);
            w.Open("if (writeWeights)");
            w.Line("// Keys not attended get 0 even in a NaN row (p is 0 there, but 0 · NaN is not).");
            w.Line($"ref float wi = ref Unsafe.Add(ref w, {weightsOffset});");
            if (plan.UnrollKeys)
            {
                for (int kb = 0; kb < plan.FullKeyBlocks; kb++)
                {
                    w.Line($"((p{kb} * {inverses}) & Vec.LoadUnsafe(ref {keep}, {kb * lanes}).AsSingle()).StoreUnsafe(ref wi, {kb * lanes});");
                }
            }
            else if (plan.FullKeyBlocks > 0)
            {
                w.Open($"for (int kb = 0; kb < {plan.FullKeyBlocks * lanes}; kb += {lanes})");
                w.Line($"((Vec.LoadUnsafe(ref {scores}, (nuint)kb) * {inverses}) & Vec.LoadUnsafe(ref {keep}, (nuint)kb).AsSingle()).StoreUnsafe(ref wi, (nuint)kb);");
                w.Close();
            }

            if (plan.KeyTailLanes > 0)
            {
                if (spec.Lkv >= lanes)
                {
                    w.Line($"// The last, partial block: the {lanes} weights ending the row (the overlap rewrites equal values).");
                    w.Line($"((Vec.LoadUnsafe(ref {scores}, {spec.Lkv - lanes}) * {inverses}) & Vec.LoadUnsafe(ref {keep}, {spec.Lkv - lanes}).AsSingle()).StoreUnsafe(ref wi, {spec.Lkv - lanes});");
                }
                else
                {
                    for (int j = 0; j < spec.Lkv; j++)
                    {
                        w.Line($"Unsafe.Add(ref wi, {j}) = Unsafe.Add(ref {keep}, {j}) != 0 ? Unsafe.Add(ref {scores}, {j}) * {inverse} : 0f;");
                    }
                }
            }

            w.Close();
        }
    }
}
