using System.ComponentModel;

namespace CrossAttention.Kernels;

/// <summary>
/// Whether an item's keys may be masked, known when the JIT compiles the item: generated code tests
/// <see cref="Masked"/> around everything that reads <c>keep</c>, and the instantiation for a call without a key mask
/// (<see cref="AllKeys"/>) compiles to the arithmetic alone — no selects of −∞, no masks on the probabilities, no branch
/// per key in the weighted sum. Implemented by the runtime only.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IKeySelection
{
    /// <summary>True when <c>keep</c> may mark keys as masked; false when every key is attended.</summary>
    static abstract bool Masked { get; }
}

/// <summary>Every key attended: a call without a key mask on a kernel that is not causal.</summary>
internal readonly struct AllKeys : IKeySelection
{
    public static bool Masked => false;
}

/// <summary>The keys <c>keep</c> marks: a key mask, causal rows, or padding lanes.</summary>
internal readonly struct KeptKeys : IKeySelection
{
    public static bool Masked => true;
}
