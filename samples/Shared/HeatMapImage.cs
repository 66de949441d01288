using System;
using System.Globalization;
using System.Linq;

namespace Samples.Shared;

/// <summary>Draws a <see cref="HeatMap"/> into a <see cref="Canvas"/>: title, column labels on top, row labels on the left, a colour bar below.</summary>
internal static class HeatMapImage
{
    private const int Pad = 12;
    private const int LabelScale = 2;
    private static readonly Rgb Background = Rgb.White;

    public static Canvas Render(HeatMap map, int cellSize)
    {
        int textHeight = PixelFont.Height(LabelScale);
        // Square cells, widened so the longest column label fits over its column.
        int cell = Math.Max(cellSize, map.ColumnLabels.Max(label => PixelFont.Width(label, LabelScale)) + 14);
        int rowLabels = map.RowLabels.Max(label => PixelFont.Width(label, LabelScale)) + 10;
        int gridLeft = Pad + rowLabels, gridTop = Pad + textHeight + 10 + textHeight + 6;
        int gridWidth = map.Columns * cell, gridHeight = map.Rows * cell;
        int barWidth = Math.Min(gridWidth, 200);
        int width = Math.Max(gridLeft + Math.Max(gridWidth, barWidth + 8 + PixelFont.Width(map.Legend, 1)),
                             Pad + PixelFont.Width(map.Title, LabelScale)) + Pad;
        int height = gridTop + gridHeight + 14 + 10 + 4 + PixelFont.Height(1) + Pad;

        var canvas = new Canvas(width, height, Background);
        canvas.Text(Pad, Pad, map.Title, Rgb.Ink, LabelScale);

        for (int c = 0; c < map.Columns; c++)
        {
            canvas.TextCentered(gridLeft + (c * cell) + (cell / 2), gridTop - textHeight - 6, map.ColumnLabels[c], Rgb.Ink, LabelScale);
        }

        for (int r = 0; r < map.Rows; r++)
        {
            int y = gridTop + (r * cell);
            string label = map.RowLabels[r];
            canvas.Text(gridLeft - 10 - PixelFont.Width(label, LabelScale), y + ((cell - textHeight) / 2) + 1, label, Rgb.Ink, LabelScale);
            for (int c = 0; c < map.Columns; c++)
            {
                int x = gridLeft + (c * cell);
                Rgb color = ColorRamp.At(map.Level(r, c));
                canvas.Fill(x, y, cell - 1, cell - 1, color); // the 1-pixel gaps draw the grid lines
                DrawValue(canvas, map.Format(map[r, c]), x, y, cell, color.Contrasting);
            }
        }

        DrawColorBar(canvas, map, gridLeft, gridTop + gridHeight + 14, barWidth);
        return canvas;
    }

    /// <summary>The value in its cell: large if it fits, small if that fits, else left out (the colour still tells).</summary>
    private static void DrawValue(Canvas canvas, string text, int x, int y, int cell, Rgb color)
    {
        foreach (int scale in (ReadOnlySpan<int>)[2, 1])
        {
            if (PixelFont.Width(text, scale) <= cell - (4 * scale))
            {
                canvas.TextCentered(x + (cell / 2), y + ((cell - (7 * scale)) / 2), text, color, scale);
                return;
            }
        }
    }

    private static void DrawColorBar(Canvas canvas, HeatMap map, int x, int y, int width)
    {
        const int BarHeight = 10;
        for (int i = 0; i < width; i++)
        {
            canvas.Fill(x + i, y, 1, BarHeight, ColorRamp.At(i / (double)(width - 1)));
        }

        int labelY = y + BarHeight + 4;
        canvas.Text(x, labelY, "0", Rgb.Ink);
        string max = map.ColorMax.ToString("0.00", CultureInfo.InvariantCulture);
        canvas.Text(x + width - PixelFont.Width(max, 1), labelY, max, Rgb.Ink);
        canvas.Text(x + width + 8, y + 2, map.Legend, Rgb.Ink);
    }
}
