using System.Text;

namespace CrossAttention.Generator;

/// <summary>Writes source text with four-space indentation and '\n' line ends, whatever the host OS.</summary>
internal sealed class IndentedWriter
{
    private readonly StringBuilder _text = new();
    private int _depth;

    public void Line(string line = "")
    {
        if (line.Length > 0)
        {
            _text.Append(' ', _depth * 4).Append(line);
        }

        _text.Append('\n');
    }

    /// <summary>Writes <paramref name="header"/> (if any) and an opening brace, and indents.</summary>
    public void Open(string? header = null)
    {
        if (header is not null)
        {
            Line(header);
        }

        Line("{");
        _depth++;
    }

    /// <summary>Unindents and writes a closing brace, followed by <paramref name="suffix"/>.</summary>
    public void Close(string suffix = "")
    {
        _depth--;
        Line("}" + suffix);
    }

    public override string ToString() => _text.ToString();
}
