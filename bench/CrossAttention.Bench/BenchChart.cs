using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security;
using System.Text;

namespace CrossAttention.Bench;

/// <summary>One bar: a contender's median time per call.</summary>
internal sealed record ChartBar(string Series, double Ns);

/// <summary>The bars of one shape.</summary>
internal sealed record ChartGroup(string Label, IReadOnlyList<ChartBar> Bars);

/// <summary>One call kind (<c>Attend</c>, <c>Forward</c>, the decoder step): a group per shape.</summary>
internal sealed record ChartPanel(string Title, IReadOnlyList<ChartGroup> Groups);

/// <summary>
/// The benchmark results as an SVG chart: a panel per call, a group of horizontal bars per shape, one bar per tier,
/// generic path and ONNX Runtime, time per call on a log scale (shapes differ by four orders of magnitude). Plain SVG
/// written here rather than a plotting package: no native drawing library to install, and text a browser, GitHub and
/// a diff all read.
/// </summary>
internal static class BenchChart
{
    private const int Width = 960, Left = 150, Right = 90, BarHeight = 9, BarGap = 2, GroupGap = 10, PanelGap = 48, Top = 70;

    /// <summary>Series in drawing order, with their colors; a series not in the data is left out of the legend.</summary>
    private static readonly (string Series, string Color)[] Palette =
    [
        ("Specialized512", "#08306b"),
        ("Specialized256", "#2171b5"),
        ("Specialized128", "#6baed6"),
        ("generic", "#969696"),
        ("ONNX Runtime", "#e6550d"),
    ];

    public static string Svg(string title, IReadOnlyList<ChartPanel> panels)
    {
        ChartBar[] bars = panels.SelectMany(p => p.Groups).SelectMany(g => g.Bars).Where(b => b.Ns > 0 && double.IsFinite(b.Ns)).ToArray();
        if (bars.Length == 0)
        {
            throw new ArgumentException("Expected at least one bar with a positive, finite time.", nameof(panels));
        }

        // Whole decades around the data: the axis reads 100 ns, 1 µs, 10 µs, ...
        double lo = Math.Floor(Math.Log10(bars.Min(b => b.Ns))), hi = Math.Ceiling(Math.Log10(bars.Max(b => b.Ns)));
        hi = Math.Max(hi, lo + 1);
        double plot = Width - Left - Right;
        double X(double ns) => Left + ((Math.Log10(ns) - lo) / (hi - lo) * plot);

        int height = Top;
        foreach (ChartPanel panel in panels)
        {
            height += PanelGap + panel.Groups.Sum(g => GroupHeight(g));
        }

        height += 30;
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" font-family=\"Segoe UI, Helvetica, Arial, sans-serif\" font-size=\"11\">\n");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n");
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">{Escape(title)}</text>\n");

        // Legend: the series present, in palette order.
        double legendX = Left;
        foreach ((string series, string color) in Palette.Where(p => bars.Any(b => b.Series == p.Series)))
        {
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{legendX:F0}\" y=\"34\" width=\"12\" height=\"10\" fill=\"{color}\"/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{legendX + 16:F0}\" y=\"43\">{Escape(series)}</text>\n");
            legendX += 26 + (series.Length * 6.2);
        }

        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left}\" y=\"60\" fill=\"#555\">time per call, log scale (shorter is faster)</text>\n");

        int y = Top;
        foreach (ChartPanel panel in panels)
        {
            y += PanelGap;
            int panelTop = y - 8, panelBottom = y + panel.Groups.Sum(g => GroupHeight(g)) - GroupGap + 4;
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"8\" y=\"{y - 30}\" font-size=\"13\" font-weight=\"bold\">{Escape(panel.Title)}</text>\n");

            // Decade grid lines and their labels, under the bars.
            for (double decade = lo; decade <= hi; decade++)
            {
                double x = X(Math.Pow(10, decade));
                svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{x:F1}\" y1=\"{panelTop}\" x2=\"{x:F1}\" y2=\"{panelBottom}\" stroke=\"#ddd\"/>");
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{x:F1}\" y=\"{panelTop - 4}\" text-anchor=\"middle\" fill=\"#555\" font-size=\"10\">{Time(Math.Pow(10, decade))}</text>\n");
            }

            foreach (ChartGroup group in panel.Groups)
            {
                svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{Left - 8}\" y=\"{y + (GroupHeight(group) - GroupGap) / 2.0 + 4:F1}\" text-anchor=\"end\">{Escape(group.Label)}</text>\n");
                foreach (ChartBar bar in Ordered(group.Bars))
                {
                    if (bar.Ns > 0 && double.IsFinite(bar.Ns))
                    {
                        string color = Palette.FirstOrDefault(p => p.Series == bar.Series).Color ?? "#333";
                        double end = X(bar.Ns);
                        svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{Left}\" y=\"{y}\" width=\"{Math.Max(1, end - Left):F1}\" height=\"{BarHeight}\" fill=\"{color}\"><title>{Escape($"{group.Label}, {panel.Title}, {bar.Series}: {Time(bar.Ns)}")}</title></rect>");
                        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{end + 4:F1}\" y=\"{y + BarHeight - 1}\" font-size=\"9\" fill=\"#333\">{Time(bar.Ns)}</text>\n");
                    }

                    y += BarHeight + BarGap;
                }

                y += GroupGap - BarGap;
            }
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    /// <summary>
    /// The chart of a summary the bench wrote (<c>summary.md</c>): its <c>Attend</c>, <c>Forward</c> and decoder-step
    /// tables give each shape's generic and ONNX Runtime times, its "By tier" table each tier's (where a call has no
    /// tier rows, the table's generated time stands for the path the run took), its first line the machine.
    /// </summary>
    public static string FromSummary(string markdown)
    {
        var panels = new List<ChartPanel>();
        Dictionary<string, List<string[]>> tables = Tables(markdown);
        List<string[]> tiers = tables.GetValueOrDefault("By tier") ?? [];
        foreach ((string section, string title, string? call) in new[]
        {
            ("Attend", "Attend", "Attend"),
            ("Forward", "Forward (the whole layer)", "Forward"),
            ("Decoder step: Forward on a ProjectedContext", "Decoder step: Forward on a ProjectedContext", (string?)null),
        })
        {
            if (!tables.TryGetValue(section, out List<string[]>? rows) || rows.Count < 2)
            {
                continue;
            }

            string[] header = rows[0];
            string? Cell(string[] row, string column) => Array.IndexOf(header, column) is var i and >= 0 && i < row.Length ? row[i] : null;
            var groups = new List<ChartGroup>();
            foreach (string[] row in rows.Skip(1))
            {
                string shape = row[0];
                var bars = tiers.Skip(1).Where(t => t.Length >= 4 && t[0] == shape && t[1] == call && Ns(t[3]) is not null)
                    .Select(t => new ChartBar(t[2], Ns(t[3])!.Value)).ToList();
                if (bars.Count == 0 && Ns(Cell(row, "generated ns")) is double generated)
                {
                    bars.Add(new ChartBar(Cell(row, "generated path") ?? "generated", generated));
                }

                if (Ns(Cell(row, "generic ns")) is double generic)
                {
                    bars.Add(new ChartBar("generic", generic));
                }

                if (Ns(Cell(row, "ONNX Runtime ns")) is double onnx)
                {
                    bars.Add(new ChartBar("ONNX Runtime", onnx));
                }

                if (bars.Count > 0)
                {
                    groups.Add(new ChartGroup(shape, bars));
                }
            }

            if (groups.Count > 0)
            {
                panels.Add(new ChartPanel(title, groups));
            }
        }

        string machine = markdown.Split('\n').FirstOrDefault(line => line.StartsWith("Machine: ", StringComparison.Ordinal))?["Machine: ".Length..].Trim() ?? "";
        return Svg($"Time per call, batch 1, 1 thread{(machine.Length > 0 ? ": " + machine : "")}", panels);
    }

    /// <summary>Each "### title" section's table, as rows of trimmed cells (header first, the |---| line left out).</summary>
    private static Dictionary<string, List<string[]>> Tables(string markdown)
    {
        var tables = new Dictionary<string, List<string[]>>();
        List<string[]>? current = null;
        foreach (string raw in markdown.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("### ", StringComparison.Ordinal))
            {
                tables[line[4..].Trim()] = current = [];
            }
            else if (current is not null && line.StartsWith('|') && !line.StartsWith("|---", StringComparison.Ordinal))
            {
                current.Add(line.Trim('|').Split('|').Select(cell => cell.Trim()).ToArray());
            }
        }

        return tables;
    }

    /// <summary>A time cell ("1,234.5"), or null for a dash or anything else.</summary>
    private static double? Ns(string? cell) =>
        double.TryParse(cell, NumberStyles.Number, CultureInfo.InvariantCulture, out double ns) && ns > 0 ? ns : null;

    private static int GroupHeight(ChartGroup group) => (group.Bars.Count * (BarHeight + BarGap)) - BarGap + GroupGap;

    private static IEnumerable<ChartBar> Ordered(IEnumerable<ChartBar> bars) =>
        bars.OrderBy(b => Array.FindIndex(Palette, p => p.Series == b.Series) is var i and >= 0 ? i : Palette.Length);

    /// <summary>A time in ns as people read it: 850 ns, 12.3 µs, 1.05 ms.</summary>
    internal static string Time(double ns) => ns switch
    {
        < 1e3 => ns.ToString(ns < 10 ? "0.##" : "0", CultureInfo.InvariantCulture) + " ns",
        < 1e6 => (ns / 1e3).ToString(ns < 1e4 ? "0.##" : ns < 1e5 ? "0.#" : "0", CultureInfo.InvariantCulture) + " µs",
        < 1e9 => (ns / 1e6).ToString(ns < 1e7 ? "0.##" : ns < 1e8 ? "0.#" : "0", CultureInfo.InvariantCulture) + " ms",
        _ => (ns / 1e9).ToString("0.##", CultureInfo.InvariantCulture) + " s",
    };

    private static string Escape(string text) => SecurityElement.Escape(text) ?? "";
}
