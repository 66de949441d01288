using System;
using System.Collections.Generic;
using System.Reflection;
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
    private static readonly Dictionary<CrossAttentionShape, ICrossAttention> s_generated = new();
    private static readonly HashSet<Assembly> s_scanned = new();

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
    public static ICrossAttention Resolve(CrossAttentionShape shape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        lock (s_lock)
        {
            ScanLoadedAssemblies();
            if (s_generated.TryGetValue(shape, out ICrossAttention? kernel) && kernel.Path.IsSpecialized())
            {
                return kernel;
            }
        }

        return new GenericCrossAttention(shape);
    }

    private static void ScanLoadedAssemblies()
    {
        foreach (Assembly assembly in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (!s_scanned.Add(assembly) || assembly.IsDynamic)
            {
                continue;
            }

            foreach (CrossAttentionKernelAttribute attribute in assembly.GetCustomAttributes<CrossAttentionKernelAttribute>())
            {
                if (Activator.CreateInstance(attribute.KernelType) is ICrossAttention kernel)
                {
                    s_generated.TryAdd(kernel.Shape, kernel);
                }
            }
        }
    }

    /// <summary>Forced when the switch is on, or the variable is <c>1</c> or <c>true</c> (either one suffices).</summary>
    internal static bool ReadForceGeneric(bool? appContextSwitch, string? environmentVariable)
    {
        string value = environmentVariable?.Trim() ?? "";
        return appContextSwitch == true || value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase);
    }
}
