using System;
using System.Collections.Generic;
using System.Globalization;

namespace Samples.Shared;

/// <summary>
/// A labelled matrix of values in 0..1 (attention weights), drawn in the terminal (<see cref="Print"/>) or as an
/// image (<see cref="ToImage"/>, <see cref="SavePng"/>).
/// </summary>
public sealed class HeatMap
{
    private readonly float[] _values;

    /// <param name="values">Row-major, <paramref name="rowLabels"/>.Count × <paramref name="columnLabels"/>.Count.</param>
    public HeatMap(string title, IReadOnlyList<string> rowLabels, IReadOnlyList<string> columnLabels, ReadOnlySpan<float> values)
    {
        if (values.Length != rowLabels.Count * columnLabels.Count)
        {
            throw new ArgumentException(
                $"Expected {rowLabels.Count} x {columnLabels.Count} = {rowLabels.Count * columnLabels.Count} values, got {values.Length}.",
                nameof(values));
        }

        Title = title;
        RowLabels = rowLabels;
        ColumnLabels = columnLabels;
        _values = values.ToArray();
    }

    public string Title { get; }

    public IReadOnlyList<string> RowLabels { get; }

    public IReadOnlyList<string> ColumnLabels { get; }

    public int Rows => RowLabels.Count;

    public int Columns => ColumnLabels.Count;

    public float this[int row, int column] => _values[(row * Columns) + column];

    /// <summary>The value drawn in the hottest colour (1 by default; lower it to see small weights spread over many keys).</summary>
    public float ColorMax { get; init; } = 1f;

    /// <summary>What the colours measure, written next to the colour bar of the image.</summary>
    public string Legend { get; init; } = "attention weight";

    /// <summary>How a value is written in its cell; <see cref="TwoDecimals"/> unless set.</summary>
    public Func<float, string> Format { get; init; } = TwoDecimals;

    /// <summary>"0.81".</summary>
    public static string TwoDecimals(float value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    /// <summary>Whole percent ("12"), blank under 0.5 %: for maps over many keys where most weights are tiny.</summary>
    public static string Percent(float value) =>
        value >= 0.005f ? (value * 100).ToString("0", CultureInfo.InvariantCulture) : "";

    /// <summary>Where a cell's value sits on the colour ramp, 0..1.</summary>
    public double Level(int row, int column) => Math.Clamp(this[row, column] / ColorMax, 0.0, 1.0);

    /// <summary>Draws the map on standard output: colour blocks on a terminal, ASCII shading when redirected or NO_COLOR is set.</summary>
    public void Print() => TerminalHeatMap.Print([this]);

    /// <summary>Renders the map as an image with cells of at least <paramref name="cellSize"/> pixels.</summary>
    public Canvas ToImage(int cellSize = 24) => HeatMapImage.Render(this, cellSize);

    /// <summary>Writes the map as a PNG file and returns its full path.</summary>
    public string SavePng(string path, int cellSize = 24) => ToImage(cellSize).SavePng(path);
}
