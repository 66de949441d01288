using System;
using System.Collections.Generic;
using System.Diagnostics.CodeAnalysis;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading;

namespace CrossAttention;

/// <summary>Finds the best kernel for a shape at run time, and holds the switch that forces the generic path.</summary>
public static class CrossAttentionKernels
{
    /// <summary>The environment variable that forces the generic path when set to <c>1</c> or <c>true</c>.</summary>
    public const string ForceGenericEnvironmentVariable = "CROSSATTENTION_FORCE_GENERIC";

    /// <summary>The <see cref="AppContext"/> switch that forces the generic path.</summary>
    public const string ForceGenericSwitch = "CrossAttention.ForceGeneric";

    private static readonly object s_lock = new();
    private static readonly List<Registration> s_registrations = new();
    private static readonly HashSet<Assembly> s_initialized = new();

    /// <summary>
    /// True when the environment variable <c>CROSSATTENTION_FORCE_GENERIC=1</c> or the <see cref="AppContext"/> switch
    /// <c>CrossAttention.ForceGeneric</c> was set at start-up: every generated kernel then runs the generic fallback.
    /// Read once, the first time any kernel is used.
    /// </summary>
    public static bool ForceGeneric { get; } = ReadForceGeneric(
        AppContext.TryGetSwitch(ForceGenericSwitch, out bool forced) ? forced : null,
        Environment.GetEnvironmentVariable(ForceGenericEnvironmentVariable));

    private static int s_degreeOfParallelism = 1;

    /// <summary>
    /// How many threads one call may use (default 1: every call runs on its caller's thread). Above 1, calls with enough
    /// work split their batch × heads (and projection rows) over persistent worker threads; results are bitwise
    /// identical to one thread. Applies to generated and generic kernels alike, from the next call on.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1 or above 256.</exception>
    public static int DegreeOfParallelism
    {
        get => Volatile.Read(ref s_degreeOfParallelism);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 256);
            Volatile.Write(ref s_degreeOfParallelism, value);
        }
    }

    /// <summary>
    /// The kernel for <paramref name="shape"/>: the generated one when a loaded assembly has one for exactly this
    /// shape and this CPU can run it (a <c>Specialized…</c> path), otherwise a
    /// <see cref="GenericCrossAttention"/>. Its <see cref="ICrossAttention.Path"/> says which.
    /// </summary>
    /// <remarks>
    /// Generated kernels register themselves from a module initializer of their assembly: no reflection, so the lookup
    /// works the same after trimming and under Native AOT (which runs every module initializer at start-up). With the
    /// JIT, an assembly can be loaded before any of its code has run; <c>Resolve</c> runs the module initializer of each
    /// loaded assembly that references this runtime, once, so such an assembly's kernels are found too.
    /// </remarks>
    public static ICrossAttention Resolve(CrossAttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        lock (s_lock)
        {
            if (RuntimeFeature.IsDynamicCodeSupported)
            {
                InitializeLoadedAssemblies();
            }

            foreach (Registration registration in s_registrations)
            {
                if (registration.Shape.Equals(shape))
                {
                    ICrossAttention kernel = registration.Kernel;
                    if (kernel.Path.IsSpecialized())
                    {
                        return kernel;
                    }
                }
            }
        }

        return new GenericCrossAttention(shape);
    }

    /// <summary>
    /// Called by the module initializer the generator emits with each kernel. The kernel object is made the first time
    /// <see cref="Resolve"/> asks for its shape; of two assemblies with a kernel for the same shape, the first
    /// registered is the one resolved.
    /// </summary>
    internal static void Register(CrossAttentionShape shape, Assembly assembly, Func<ICrossAttention> create)
    {
        lock (s_lock)
        {
            s_registrations.Add(new Registration(shape, assembly, create));
        }
    }

    /// <summary>The kernels <paramref name="assembly"/> registered, in the order it registered them (for tests and tools).</summary>
    internal static IReadOnlyList<ICrossAttention> RegisteredBy(Assembly assembly)
    {
        RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        lock (s_lock)
        {
            return s_registrations.FindAll(registration => registration.Assembly == assembly).ConvertAll(registration => registration.Kernel);
        }
    }

    /// <summary>Runs the module initializer of each loaded assembly that references this one (a no-op where it ran).</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026:RequiresUnreferencedCode",
        Justification = "Trimming removes only unused assembly references; an assembly that registers kernels calls this runtime from its module initializer, so its reference to it stays.")]
    private static void InitializeLoadedAssemblies()
    {
        string runtime = typeof(CrossAttentionKernels).Assembly.GetName().Name!;
        foreach (Assembly assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (assembly.IsDynamic || !s_initialized.Add(assembly))
            {
                continue;
            }

            foreach (AssemblyName reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name == runtime)
                {
                    // Runs on this thread; a kernel's initializer registers under s_lock, which this thread holds.
                    RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
                    break;
                }
            }
        }
    }

    private sealed class Registration(CrossAttentionShape shape, Assembly assembly, Func<ICrossAttention> create)
    {
        private ICrossAttention? _kernel;

        public CrossAttentionShape Shape { get; } = shape;

        public Assembly Assembly { get; } = assembly;

        /// <summary>Made on first use, under <see cref="s_lock"/>.</summary>
        public ICrossAttention Kernel => _kernel ??= create();
    }

    /// <summary>Forced when the switch is on, or the variable is <c>1</c> or <c>true</c> (either one suffices).</summary>
    internal static bool ReadForceGeneric(bool? appContextSwitch, string? environmentVariable)
    {
        string value = environmentVariable?.Trim() ?? "";
        return appContextSwitch == true || value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase);
    }
}
