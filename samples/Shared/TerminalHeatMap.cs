using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;

namespace Samples.Shared;

/// <summary>How the terminal can show colour.</summary>
public enum ColorMode
{
    /// <summary>No escape codes: output redirected, NO_COLOR set, or TERM=dumb. Cells get ASCII shading instead.</summary>
    Plain,

    /// <summary>The xterm 256-colour palette (6 × 6 × 6 colour cube).</summary>
    Palette256,

    /// <summary>24-bit colour (COLORTERM=truecolor or 24bit).</summary>
    TrueColor,
}

/// <summary>
/// Heat maps as text: each cell is its number on a background of its colour, or, without colour, its number
/// followed by two shading characters from <see cref="Shades"/> (light to dark).
/// </summary>
public static class TerminalHeatMap
{
    /// <summary>ASCII shading, from "almost nothing" to "all of it".</summary>
    public const string Shades = " .:-=+*#%@";

    private const string Reset = "\u001b[0m";
    private const int Gap = 4;

    /// <summary>Colour is used only on an interactive terminal that did not opt out (https://no-color.org).</summary>
    public static ColorMode Mode { get; } = Detect();

    private static ColorMode Detect()
    {
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) || Console.IsOutputRedirected
            || Environment.GetEnvironmentVariable("TERM") == "dumb")
        {
            return ColorMode.Plain;
        }

        string colorTerm = Environment.GetEnvironmentVariable("COLORTERM") ?? "";
        return colorTerm.Contains("truecolor", StringComparison.OrdinalIgnoreCase) || colorTerm.Contains("24bit", StringComparison.OrdinalIgnoreCase)
            || Environment.GetEnvironmentVariable("WT_SESSION") is not null
            ? ColorMode.TrueColor
            : ColorMode.Palette256;
    }

    /// <summary>
    /// Prints <paramref name="maps"/>, up to <paramref name="perRow"/> side by side (fewer if the terminal is too narrow),
    /// then one legend for their colour scale.
    /// </summary>
    public static void Print(IReadOnlyList<HeatMap> maps, int perRow = 1)
    {
        // One cell width for all, so maps side by side line up.
        int valueWidth = maps.Max(map => Enumerable.Range(0, map.Rows * map.Columns).Max(i => map.Format(map[i / map.Columns, i % map.Columns]).Length));
        List<Line>[] all = maps.Select(map => Render(map, valueWidth)).ToArray();
        int blockWidth = all.Max(block => block.Max(line => line.Width)) + Gap;
        perRow = Math.Clamp((AvailableWidth() - 2 + Gap) / blockWidth, 1, perRow);
        for (int first = 0; first < maps.Count; first += perRow)
        {
            List<Line>[] blocks = all.Skip(first).Take(perRow).ToArray();
            int[] widths = blocks.Select(block => block.Max(line => line.Width)).ToArray();
            int height = blocks.Max(block => block.Count);
            for (int row = 0; row < height; row++)
            {
                var text = new StringBuilder("  ");
                for (int b = 0; b < blocks.Length; b++)
                {
                    Line line = row < blocks[b].Count ? blocks[b][row] : new Line("", 0);
                    text.Append(line.Text);
                    if (b < blocks.Length - 1)
                    {
                        text.Append(' ', widths[b] - line.Width + Gap);
                    }
                }

                Console.WriteLine(text.ToString().TrimEnd());
            }

            Console.WriteLine();
        }

        Console.WriteLine("  " + Legend(maps[0].ColorMax));
    }

    private readonly record struct Line(string Text, int Width);

    /// <summary>The terminal's width, or 100 columns when there is no terminal to ask.</summary>
    private static int AvailableWidth()
    {
        const int Default = 100;
        if (Console.IsOutputRedirected)
        {
            return Default;
        }

        try
        {
            return Console.WindowWidth > 0 ? Console.WindowWidth : Default;
        }
        catch (Exception e) when (e is IOException or PlatformNotSupportedException)
        {
            return Default;
        }
    }

    private static List<Line> Render(HeatMap map, int valueWidth)
    {
        int labelWidth = map.ColumnLabels.Max(label => label.Length);
        // Plain cells are " 0.81 ##": a space, the number, a space, two shading characters.
        int cell = Mode == ColorMode.Plain ? Math.Max(valueWidth, labelWidth) + 4 : Math.Max(valueWidth, labelWidth) + 2;
        int rowLabelWidth = map.RowLabels.Max(label => label.Length);

        var lines = new List<Line> { new(map.Title, map.Title.Length) };
        var header = new StringBuilder(new string(' ', rowLabelWidth + 1));
        foreach (string label in map.ColumnLabels)
        {
            header.Append(Mode == ColorMode.Plain ? label.PadLeft(cell - 3).PadRight(cell) : Center(label, cell));
        }

        lines.Add(new Line(header.ToString(), header.Length));
        for (int r = 0; r < map.Rows; r++)
        {
            var line = new StringBuilder(map.RowLabels[r].PadRight(rowLabelWidth + 1));
            for (int c = 0; c < map.Columns; c++)
            {
                line.Append(Cell(map.Format(map[r, c]), map.Level(r, c), cell));
            }

            lines.Add(new Line(line.ToString(), rowLabelWidth + 1 + (map.Columns * cell)));
        }

        return lines;
    }

    private static string Cell(string value, double level, int width)
    {
        if (Mode == ColorMode.Plain)
        {
            char shade = Shades[Math.Min((int)(level * Shades.Length), Shades.Length - 1)];   // ten equal bins
            return value.PadLeft(width - 3) + " " + shade + shade;  // right-aligned under the column label
        }

        Rgb background = ColorRamp.At(level);
        return Background(background) + Foreground(background.Contrasting) + Center(value, width) + Reset;
    }

    private static string Legend(float max)
    {
        string high = max.ToString("0.00", CultureInfo.InvariantCulture);
        if (Mode == ColorMode.Plain)
        {
            return $"shading: \"{Shades}\" from 0 to {high}, one character per tenth";
        }

        var bar = new StringBuilder();
        const int Steps = 20;
        for (int i = 0; i < Steps; i++)
        {
            bar.Append(Background(ColorRamp.At(i / (double)(Steps - 1)))).Append(' ');
        }

        return $"colour: 0 {bar}{Reset} {high}";
    }

    private static string Center(string text, int width)
    {
        int left = Math.Max(0, (width - text.Length + 1) / 2);
        return (new string(' ', left) + text).PadRight(width);
    }

    private static string Background(Rgb c) => Mode == ColorMode.TrueColor
        ? string.Create(CultureInfo.InvariantCulture, $"\u001b[48;2;{c.R};{c.G};{c.B}m")
        : string.Create(CultureInfo.InvariantCulture, $"\u001b[48;5;{Palette(c)}m");

    private static string Foreground(Rgb c) => Mode == ColorMode.TrueColor
        ? string.Create(CultureInfo.InvariantCulture, $"\u001b[38;2;{c.R};{c.G};{c.B}m")
        : string.Create(CultureInfo.InvariantCulture, $"\u001b[38;5;{Palette(c)}m");

    /// <summary>The nearest colour of the xterm 6 × 6 × 6 cube (levels 0, 95, 135, 175, 215, 255), indices 16..231.</summary>
    private static int Palette(Rgb c)
    {
        static int Level(byte v) => v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
        return 16 + (36 * Level(c.R)) + (6 * Level(c.G)) + Level(c.B);
    }
}
