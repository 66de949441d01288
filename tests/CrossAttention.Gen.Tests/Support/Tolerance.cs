using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using Xunit.Sdk;

namespace CrossAttention.Gen.Tests.Support;

/// <summary>Element-wise closeness with messages that say where and by how much.</summary>
internal static class Tolerance
{
    /// <summary>SPEC §6: within 1e-5 absolute + 1e-5 relative of the float64 reference.</summary>
    public const double Absolute = 1e-5, Relative = 1e-5;

    public static void Close(IReadOnlyList<double> expected, IReadOnlyList<float> actual, string what,
                             double absolute = Absolute, double relative = Relative) =>
        Close(expected, actual, what, _ => absolute, relative);

    /// <summary>Per-element absolute bound (for bounds that depend on the row, like huge logits).</summary>
    public static void Close(IReadOnlyList<double> expected, IReadOnlyList<float> actual, string what,
                             Func<int, double> absolute, double relative = Relative)
    {
        if (expected.Count != actual.Count)
        {
            throw new XunitException($"{what}: expected {expected.Count} values, got {actual.Count}.");
        }

        var failures = new StringBuilder();
        int count = 0;
        double worst = 0;
        for (int i = 0; i < expected.Count; i++)
        {
            double e = expected[i], a = actual[i];
            bool ok = double.IsNaN(e) ? double.IsNaN(a)
                : double.IsInfinity(e) ? a == e
                : Math.Abs(a - e) <= absolute(i) + (relative * Math.Abs(e));
            if (ok)
            {
                continue;
            }

            worst = Math.Max(worst, Math.Abs(a - e));
            if (count++ < 8)
            {
                failures.AppendLine(CultureInfo.InvariantCulture, $"  [{i}] expected {e:R}, got {a:R} (|diff| {Math.Abs(a - e):E2}, bound {absolute(i) + (relative * Math.Abs(e)):E2})");
            }
        }

        if (count > 0)
        {
            throw new XunitException($"{what}: {count} of {expected.Count} values out of tolerance (worst |diff| {worst:E2}):\n{failures}");
        }
    }

    public static void Close(IReadOnlyList<float> expected, IReadOnlyList<float> actual, string what,
                             double absolute = Absolute, double relative = Relative)
    {
        var widened = new double[expected.Count];
        for (int i = 0; i < widened.Length; i++)
        {
            widened[i] = expected[i];
        }

        Close(widened, actual, what, absolute, relative);
    }
}
