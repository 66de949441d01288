using System;
using System.Collections.Generic;
using System.IO;

namespace Samples.Shared;

/// <summary>An RGB pixel buffer with just the drawing the samples need: rectangles, text, other canvases.</summary>
public sealed class Canvas
{
    private readonly byte[] _pixels;

    public Canvas(int width, int height, Rgb background)
    {
        Width = width;
        Height = height;
        _pixels = new byte[width * height * 3];
        Fill(0, 0, width, height, background);
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>Fills a rectangle; the parts outside the canvas are clipped.</summary>
    public void Fill(int x, int y, int width, int height, Rgb color)
    {
        int x0 = Math.Max(x, 0), x1 = Math.Min(x + width, Width);
        for (int row = Math.Max(y, 0); row < Math.Min(y + height, Height); row++)
        {
            for (int column = x0; column < x1; column++)
            {
                int i = ((row * Width) + column) * 3;
                _pixels[i] = color.R;
                _pixels[i + 1] = color.G;
                _pixels[i + 2] = color.B;
            }
        }
    }

    /// <summary>Draws <paramref name="text"/> in the built-in pixel font with its top-left corner at (x, y).</summary>
    public void Text(int x, int y, string text, Rgb color, int scale = 1) =>
        PixelFont.Render(text, x, y, scale, (px, py) => Fill(px, py, scale, scale, color));

    /// <summary>Draws <paramref name="text"/> centred horizontally on <paramref name="centerX"/>.</summary>
    public void TextCentered(int centerX, int y, string text, Rgb color, int scale = 1) =>
        Text(centerX - (PixelFont.Width(text, scale) / 2), y, text, color, scale);

    /// <summary>Copies <paramref name="source"/> onto this canvas with its top-left corner at (x, y).</summary>
    public void Draw(Canvas source, int x, int y)
    {
        for (int row = 0; row < source.Height && y + row < Height; row++)
        {
            int width = Math.Min(source.Width, Width - x);
            Array.Copy(source._pixels, row * source.Width * 3, _pixels, (((y + row) * Width) + x) * 3, width * 3);
        }
    }

    /// <summary>Lays <paramref name="panels"/> out in rows of <paramref name="columns"/>, under an optional title.</summary>
    public static Canvas Grid(IReadOnlyList<Canvas> panels, int columns, string? title, Rgb background, int gap = 16)
    {
        int cellWidth = 0, cellHeight = 0;
        foreach (Canvas panel in panels)
        {
            cellWidth = Math.Max(cellWidth, panel.Width);
            cellHeight = Math.Max(cellHeight, panel.Height);
        }

        int rows = (panels.Count + columns - 1) / columns;
        int top = title is null ? gap : gap + PixelFont.Height(2) + gap;
        var grid = new Canvas(gap + (Math.Min(columns, panels.Count) * (cellWidth + gap)), top + (rows * (cellHeight + gap)), background);
        if (title is not null)
        {
            grid.Text(gap, gap, title, Rgb.Ink, 2);
        }

        for (int i = 0; i < panels.Count; i++)
        {
            grid.Draw(panels[i], gap + (i % columns * (cellWidth + gap)), top + (i / columns * (cellHeight + gap)));
        }

        return grid;
    }

    /// <summary>Writes the canvas as a PNG file (creating its folder if needed) and returns the full path.</summary>
    public string SavePng(string path)
    {
        string full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        Png.Write(full, Width, Height, _pixels);
        return full;
    }
}
