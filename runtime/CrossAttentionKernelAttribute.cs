using System;
using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;

namespace CrossAttention;

/// <summary>
/// Emitted by the generator once per generated kernel, on the assembly, so that
/// <see cref="CrossAttentionKernels.Resolve"/> finds the kernels of every loaded assembly without any code of theirs
/// having run. Not meant to be applied by hand.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[AttributeUsage(AttributeTargets.Assembly, AllowMultiple = true, Inherited = false)]
public sealed class CrossAttentionKernelAttribute : Attribute
{
    /// <param name="kernelType">A <see cref="Kernels.GeneratedCrossAttention{TWide, TMiddle, TNarrow}"/> over the generated code; it
    /// implements <see cref="ICrossAttention"/> and has a public parameterless constructor.</param>
    public CrossAttentionKernelAttribute(
        [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)] Type kernelType)
    {
        KernelType = kernelType;
    }

    /// <summary>The generated kernel type.</summary>
    [DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicParameterlessConstructor)]
    public Type KernelType { get; }
}
