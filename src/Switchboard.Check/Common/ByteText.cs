using System.Text;

namespace Switchboard.Check.Common;

/// <summary>How the files, echo and talk cases show bytes in their one-line reasons.</summary>
public static class ByteText
{
    /// <summary><c>49 7e 02 01 00 00 00 1d ...(37 bytes)</c>: at most <paramref name="max"/> bytes, spaced.</summary>
    public static string Spaced(ReadOnlySpan<byte> bytes, int max = 16)
    {
        if (bytes.IsEmpty)
        {
            return "no bytes";
        }
        var shown = Convert.ToHexString(bytes[..Math.Min(bytes.Length, max)]).ToLowerInvariant();
        var sb = new StringBuilder();
        for (var i = 0; i < shown.Length; i += 2)
        {
            if (i > 0)
            {
                sb.Append(' ');
            }
            sb.Append(shown, i, 2);
        }
        if (bytes.Length > max)
        {
            sb.Append($" ... ({bytes.Length} bytes)");
        }
        return sb.ToString();
    }

    /// <summary>Null when equal; otherwise where and how <paramref name="actual"/> first differs from <paramref name="expected"/>.</summary>
    public static string? Difference(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual)
    {
        var common = expected.CommonPrefixLength(actual);
        if (common == expected.Length && common == actual.Length)
        {
            return null;
        }
        if (common == actual.Length)
        {
            return $"only {actual.Length} of the {expected.Length} bytes arrived";
        }
        if (common == expected.Length)
        {
            return $"{actual.Length - expected.Length} bytes more than the {expected.Length} expected: {Spaced(actual[common..], 8)}";
        }
        var from = Math.Max(0, common - 2);
        return $"first difference at byte {common}: expected {Spaced(expected[from..], 8)}, got {Spaced(actual[from..], 8)} (from byte {from})";
    }

    /// <summary>A short quotation of text received, for reasons: at most 60 characters, line breaks shown as \n.</summary>
    public static string Quote(string text)
    {
        var one = text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return '"' + (one.Length > 60 ? one[..60] + $"...\" ({text.Length} characters)" : one + '"');
    }

    /// <summary>Bytes as text for a reason: the UTF-8 text when valid, else hex.</summary>
    public static string TextOrHex(ReadOnlySpan<byte> bytes) =>
        System.Text.Unicode.Utf8.IsValid(bytes) ? Quote(Encoding.UTF8.GetString(bytes)) : "bytes " + Spaced(bytes) + " (not UTF-8)";
}
