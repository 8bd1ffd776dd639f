namespace Switchboard.Protocol.Echo;

/// <summary>
/// The server's answer to a message: the message minus its first ten characters, where a character is
/// a Unicode code point, exactly as Python's <c>s[10:]</c> counts. UTF-16 <c>Substring(10)</c> would count
/// an emoji as two and could split it into lone surrogates; combining marks count on their own, as in Python.
/// </summary>
public static class EchoReply
{
    /// <summary>Returns <paramref name="message"/> without its first <see cref="EchoWire.StrippedCharacters"/> code points (empty when it has no more).</summary>
    public static string For(string message) => DropCodePoints(message, EchoWire.StrippedCharacters);

    /// <summary>Python's <c>s[count:]</c> for a non-negative <paramref name="count"/>.</summary>
    /// <remarks>A lone surrogate counts as one character, as it does in a Python <c>str</c>.</remarks>
    public static string DropCodePoints(string text, int count)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var index = 0;
        for (var dropped = 0; dropped < count && index < text.Length; dropped++)
        {
            var pair = char.IsHighSurrogate(text[index]) && index + 1 < text.Length && char.IsLowSurrogate(text[index + 1]);
            index += pair ? 2 : 1;
        }
        return text[index..];
    }

    /// <summary>Python's <c>len(s)</c>: the number of code points in <paramref name="text"/>.</summary>
    public static int CodePointCount(string text)
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
