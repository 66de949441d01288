using System;
using System.Collections.Generic;
using System.Globalization;

namespace Samples.Shared;

/// <summary>
/// A 5 × 7 pixel font (plus one descender row for g, j, p, q, y) for labels in the PNG images: digits, both cases
/// of the Latin letters and a little punctuation. Each glyph is its rows top to bottom in hex, bit 4 the leftmost
/// pixel: "A 0E 11 11 1F 11 11 11" is .###. / #...# / #...# / ##### / #...# / #...# / #...#.
/// </summary>
public static class PixelFont
{
    public const int GlyphWidth = 5;
    public const int GlyphHeight = 8;   // 7 rows above the baseline, 1 below
    public const int Advance = GlyphWidth + 1;

    private static readonly string[] Table =
    [
        "0 0E 11 13 15 19 11 0E", "1 04 0C 04 04 04 04 0E", "2 0E 11 01 02 04 08 1F", "3 1F 02 04 02 01 11 0E",
        "4 02 06 0A 12 1F 02 02", "5 1F 10 1E 01 01 11 0E", "6 06 08 10 1E 11 11 0E", "7 1F 01 02 04 08 08 08",
        "8 0E 11 11 0E 11 11 0E", "9 0E 11 11 0F 01 02 0C",
        "A 0E 11 11 1F 11 11 11", "B 1E 11 11 1E 11 11 1E", "C 0E 11 10 10 10 11 0E", "D 1C 12 11 11 11 12 1C",
        "E 1F 10 10 1E 10 10 1F", "F 1F 10 10 1E 10 10 10", "G 0E 11 10 17 11 11 0F", "H 11 11 11 1F 11 11 11",
        "I 0E 04 04 04 04 04 0E", "J 07 02 02 02 02 12 0C", "K 11 12 14 18 14 12 11", "L 10 10 10 10 10 10 1F",
        "M 11 1B 15 15 11 11 11", "N 11 11 19 15 13 11 11", "O 0E 11 11 11 11 11 0E", "P 1E 11 11 1E 10 10 10",
        "Q 0E 11 11 11 15 12 0D", "R 1E 11 11 1E 14 12 11", "S 0F 10 10 0E 01 01 1E", "T 1F 04 04 04 04 04 04",
        "U 11 11 11 11 11 11 0E", "V 11 11 11 11 11 0A 04", "W 11 11 11 15 15 15 0A", "X 11 11 0A 04 0A 11 11",
        "Y 11 11 0A 04 04 04 04", "Z 1F 01 02 04 08 10 1F",
        "a 00 00 0E 01 0F 11 0F", "b 10 10 16 19 11 11 1E", "c 00 00 0E 10 10 11 0E", "d 01 01 0D 13 11 11 0F",
        "e 00 00 0E 11 1F 10 0E", "f 06 09 08 1C 08 08 08", "g 00 00 0F 11 11 0F 01 0E", "h 10 10 16 19 11 11 11",
        "i 04 00 0C 04 04 04 0E", "j 02 00 06 02 02 02 12 0C", "k 10 10 12 14 18 14 12", "l 0C 04 04 04 04 04 0E",
        "m 00 00 1A 15 15 11 11", "n 00 00 16 19 11 11 11", "o 00 00 0E 11 11 11 0E", "p 00 00 1E 11 11 1E 10 10",
        "q 00 00 0F 11 11 0F 01 01", "r 00 00 16 19 10 10 10", "s 00 00 0F 10 0E 01 1E", "t 08 08 1C 08 08 09 06",
        "u 00 00 11 11 11 13 0D", "v 00 00 11 11 11 0A 04", "w 00 00 11 11 15 15 0A", "x 00 00 11 0A 04 0A 11",
        "y 00 00 11 11 11 0F 01 0E", "z 00 00 1F 02 04 08 1F",
        ". 00 00 00 00 00 0C 0C", ", 00 00 00 00 0C 04 08", ": 00 0C 0C 00 0C 0C 00", "- 00 00 00 1F 00 00 00",
        "( 02 04 08 08 08 04 02", ") 08 04 02 02 02 04 08", "/ 00 01 02 04 08 10 00", "= 00 00 1F 00 1F 00 00",
        "\" 0A 0A 00 00 00 00 00", "' 04 04 00 00 00 00 00", "% 18 19 02 04 08 13 03", "? 0E 11 01 02 04 00 04",
        "# 0A 0A 1F 0A 1F 0A 0A", "+ 00 04 04 1F 04 04 00", "_ 00 00 00 00 00 00 1F", "× 00 11 0A 04 0A 11 00",
        "→ 00 04 02 1F 02 04 00",
    ];

    private static readonly Dictionary<char, byte[]> Glyphs = Parse();

    /// <summary>Width in pixels of <paramref name="text"/> at <paramref name="scale"/>, without trailing spacing.</summary>
    public static int Width(string text, int scale) => text.Length == 0 ? 0 : ((text.Length * Advance) - 1) * scale;

    /// <summary>Height in pixels of one line at <paramref name="scale"/>, descenders included.</summary>
    public static int Height(int scale) => GlyphHeight * scale;

    /// <summary>Calls <paramref name="plot"/> for the top-left corner of every lit <paramref name="scale"/>-sized pixel.</summary>
    public static void Render(string text, int x, int y, int scale, Action<int, int> plot)
    {
        foreach (char c in text)
        {
            if (c != ' ')
            {
                byte[] rows = Glyphs.TryGetValue(c, out byte[]? glyph) ? glyph : Glyphs['?'];
                for (int row = 0; row < rows.Length; row++)
                {
                    for (int column = 0; column < GlyphWidth; column++)
                    {
                        if ((rows[row] & (0x10 >> column)) != 0)
                        {
                            plot(x + (column * scale), y + (row * scale));
                        }
                    }
                }
            }

            x += Advance * scale;
        }
    }

    private static Dictionary<char, byte[]> Parse()
    {
        var glyphs = new Dictionary<char, byte[]>();
        foreach (string entry in Table)
        {
            string[] rows = entry[2..].Split(' ');
            glyphs[entry[0]] = Array.ConvertAll(rows, r => byte.Parse(r, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }

        return glyphs;
    }
}
