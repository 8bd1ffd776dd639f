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
}
