using System.Text;

namespace Switchboard.Protocol.Files;

/// <summary>Formats untrusted file names for logs, so a name holding a newline cannot forge a log line.</summary>
public static class FileNameDisplay
{
    /// <summary><c>'a/b.txt'</c>; control characters as <c>\n</c> or <c>\u0000</c>; invalid UTF-8 as <c>hex:...</c>.</summary>
    public static string Format(ReadOnlySpan<byte> name)
    {
        if (!Utf8Text.TryDecode(name, out var text))
        {
            return $"hex:{Hex.Preview(name, 64)} (not UTF-8)";
        }
        return Format(text);
    }

    /// <inheritdoc cref="Format(ReadOnlySpan{byte})"/>
    public static string Format(string name)
    {
        var sb = new StringBuilder(name.Length + 2).Append('\'');
        foreach (var c in name)
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\r': sb.Append("\\r"); break;
                case '\t': sb.Append("\\t"); break;
                case '\\': sb.Append("\\\\"); break;
                case '\'': sb.Append("\\'"); break;
                default:
                    if (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format)
                    {
                        sb.Append($"\\u{(int)c:x4}");
                    }
                    else
                    {
                        sb.Append(c);
                    }
                    break;
            }
        }
        return sb.Append('\'').ToString();
    }
}
