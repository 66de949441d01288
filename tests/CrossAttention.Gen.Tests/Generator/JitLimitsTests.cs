using System;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;
using System.Reflection.Emit;
using Xunit;
using Xunit.Abstractions;

namespace CrossAttention.Gen.Tests.Generator;

/// <summary>
/// SPEC §7: no generated method may exceed the JIT's optimization limits, or it is compiled without optimization
/// (MinOpts). The JIT switches to MinOpts past 60,000 bytes of IL, 20,000 IL instructions, 2,000 basic blocks, 2,000
/// locals or 8,000 local references (jit.h DEFAULT_MIN_OPTS_*) and tracks at most 1,024 locals in registers; these
/// budgets keep every method of the largest shapes far inside all of them. (Locals: half of what the JIT tracks. Roslyn
/// gives each block-scoped vector of the unrolled code its own slot, so a group of heads in key tiles with a head tail
/// and a key tail, the most scopes in one method, takes 265.)
/// </summary>
public sealed class JitLimitsTests
{
    private const int MaxIlBytes = 30_000, MaxInstructions = 10_000, MaxBasicBlocks = 1_000, MaxLocals = 512, MaxLocalReferences = 4_000;
    private readonly ITestOutputHelper _output;

    public JitLimitsTests(ITestOutputHelper output) => _output = output;

    public static TheoryData<string> LargestShapes => new()
    {
        "32, 256, 512, 8",          // medium: loops over queries and keys
        "16, 49, 512, 8",           // caption
        "1, 32, 512, 8",            // decode
        "8, 64, 64, 1",             // just inside the key-unroll budget
        "40, 12, 96, 1",            // many unrolled queries
        "2, 40, 2048, 1",           // head 2048: loops over the head
        "1, 3, 2044, 2",            // head 1022 with a tail
        "256, 4096, 1024, 16",      // big everything
        "1, 100000, 8, 1",          // score buffers in the thread's scratch
        "1, 8, 512, 8",             // heads in lanes, the largest unrolled row
        "1, 67, 1024, 16",          // key rows: 16 heads of 4 vectors at 512 bits, 8 at 256, value passes over blocks, a tail
        "1, 37, 480, 5",            // key rows: heads of 96 (12 vectors at 256 bits, 6 at 512), a tail
        "64, 8, 512, 8",            // heads in lanes, rows in a loop
        "33, 1000, 1032, 4",        // query pairs with a head tail, and an odd last row
        "1, 4000, 2048, 16, KvHeads = 2",                  // a group of 8 heads in key tiles, head 128
        "9, 3003, 2032, 16, KvHeads = 2, Causal = true",   // the same with a head tail (127) and a key tail, causal
        "9, 3000, 1016, 8, KvHeads = 4, Causal = true",    // pairs of heads, head 127, causal
    };

    [Theory]
    [MemberData(nameof(LargestShapes))]
    public void Every_generated_method_stays_inside_the_JIT_optimization_limits(string arguments)
    {
        var (compilation, _, _) = GeneratorHarness.Run($"using CrossAttention; namespace Demo; [CrossAttention({arguments})] public static partial class K;");
        Assert.Empty(GeneratorHarness.WarningsAndErrors(compilation));
        Assembly assembly = CompileAndRunTests.Load(compilation);

        Type[] generated = assembly.GetTypes().Where(t => t.FullName!.Contains("KKernel", StringComparison.Ordinal) || t.FullName!.StartsWith("Demo.K", StringComparison.Ordinal)).ToArray();
        Assert.NotEmpty(generated);
        foreach (MethodInfo method in generated.SelectMany(t => t.GetMethods(BindingFlags.Static | BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)))
        {
            MethodBody? body = method.GetMethodBody();
            if (body is null)
            {
                continue;
            }

            byte[] il = body.GetILAsByteArray()!;
            (int instructions, int blocks, int references) = Count(il);
            _output.WriteLine($"{method.DeclaringType!.Name}.{method.Name}: {il.Length} bytes of IL, {instructions} instructions, {blocks} basic blocks, {body.LocalVariables.Count} locals, {references} local references");
            Assert.True(il.Length <= MaxIlBytes, $"{method.Name}: {il.Length} bytes of IL");
            Assert.True(instructions <= MaxInstructions, $"{method.Name}: {instructions} IL instructions");
            Assert.True(blocks <= MaxBasicBlocks, $"{method.Name}: {blocks} basic blocks");
            Assert.True(body.LocalVariables.Count <= MaxLocals, $"{method.Name}: {body.LocalVariables.Count} locals");
            Assert.True(references <= MaxLocalReferences, $"{method.Name}: {references} local and argument references");
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(op => op.Value);

    /// <summary>
    /// IL instructions; basic blocks as the JIT counts them (one plus one per branch and per branch target); and
    /// references to locals and arguments (ldloc, stloc, ldarg, … and their address forms).
    /// </summary>
    internal static (int Instructions, int BasicBlocks, int LocalReferences) Count(byte[] il)
    {
        int instructions = 0, references = 0;
        var leaders = new HashSet<int> { 0 };
        for (int offset = 0; offset < il.Length;)
        {
            short value = il[offset] == 0xFE ? (short)(0xFE00 | il[offset + 1]) : il[offset];
            OpCode op = OpCodesByValue[value];
            offset += op.Size;
            int operandSize = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, offset)),
                _ => 4,
            };
            int next = offset + operandSize;
            if (op.OperandType == OperandType.ShortInlineBrTarget)
            {
                leaders.Add(next + (sbyte)il[offset]);
                leaders.Add(next);
            }
            else if (op.OperandType == OperandType.InlineBrTarget)
            {
                leaders.Add(next + BitConverter.ToInt32(il, offset));
                leaders.Add(next);
            }
            else if (op.FlowControl is FlowControl.Return or FlowControl.Throw)
            {
                leaders.Add(next);
            }

            offset = next;
            instructions++;
            if (op.Name!.StartsWith("ldloc", StringComparison.Ordinal) || op.Name.StartsWith("stloc", StringComparison.Ordinal)
                || op.Name.StartsWith("ldarg", StringComparison.Ordinal) || op.Name.StartsWith("starg", StringComparison.Ordinal))
            {
                references++;
            }
        }

        return (instructions, leaders.Count, references);
    }
}
