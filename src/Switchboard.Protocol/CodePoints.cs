namespace Switchboard.Protocol;

/// <summary>Counting characters as Python's <c>len</c> does (echo's ten characters, chat's name and message limits): code points, a surrogate pair counting once.</summary>
public static class CodePoints
{
    /// <summary>The number of code points in <paramref name="text"/>; a lone surrogate counts as one.</summary>
    public static int Count(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var count = 0;
        for (var i = 0; i < text.Length; i++, count++)
        {
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
        }
        return count;
    }

    /// <summary>
    /// At most <paramref name="maxChars"/> UTF-16 units of <paramref name="text"/>, never ending in the middle of a
    /// surrogate pair, with <c>...</c> when something was cut: for showing untrusted text in logs.
    /// </summary>
    public static string Shorten(string text, int maxChars)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length <= maxChars)
        {
            return text;
        }
        var end = maxChars > 0 && char.IsHighSurrogate(text[maxChars - 1]) ? maxChars - 1 : maxChars;
        return text[..end] + "...";
    }
}
