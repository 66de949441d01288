using System;

namespace Samples.Shared;

/// <summary>An 8-bit sRGB colour.</summary>
public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static readonly Rgb White = new(255, 255, 255);
    public static readonly Rgb Black = new(0, 0, 0);
    public static readonly Rgb Ink = new(40, 40, 48);

    /// <summary>Relative brightness 0..1 (Rec. 709 weights), to choose dark or light text on this colour.</summary>
    public double Luminance => ((0.2126 * R) + (0.7152 * G) + (0.0722 * B)) / 255.0;

    /// <summary>Text colour that stays readable on this background.</summary>
    public Rgb Contrasting => Luminance > 0.5 ? Black : White;

    public static Rgb Lerp(Rgb a, Rgb b, double t) => new(Mix(a.R, b.R, t), Mix(a.G, b.G, t), Mix(a.B, b.B, t));

    private static byte Mix(byte a, byte b, double t) => (byte)Math.Round(a + ((b - a) * t));
}

/// <summary>
/// The viridis colour ramp (dark purple → blue → green → yellow): perceptually even, readable in grey and by most
/// colour-blind readers, so "brighter" always means "more attention".
/// </summary>
public static class ColorRamp
{
    private static readonly Rgb[] Stops =
    [
        new(68, 1, 84), new(71, 44, 122), new(59, 81, 139), new(44, 113, 142), new(33, 144, 141),
        new(39, 173, 129), new(92, 200, 99), new(170, 220, 50), new(253, 231, 37),
    ];

    /// <summary>The colour of <paramref name="level"/>, clamped to 0..1.</summary>
    public static Rgb At(double level)
    {
        double position = Math.Clamp(double.IsNaN(level) ? 0 : level, 0, 1) * (Stops.Length - 1);
        int low = Math.Min((int)position, Stops.Length - 2);
        return Rgb.Lerp(Stops[low], Stops[low + 1], position - low);
    }
}
