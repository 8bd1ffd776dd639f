using System.Buffers;

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
    public static int CodePointCount(string text) => CodePoints.Count(text);

    /// <summary>
    /// Where the reply starts inside a message given as valid UTF-8 bytes: the reply is the payload from this
    /// offset on, byte for byte the UTF-8 of <see cref="For"/>, without decoding to a string. Valid UTF-8 holds
    /// no surrogates, so a code point is exactly a byte that is not a continuation byte (<c>10xxxxxx</c>).
    /// </summary>
    /// <param name="validUtf8">A payload already checked with <see cref="EchoFrameCodec.TryValidatePayload"/>.</param>
    public static long Utf8ReplyStart(in ReadOnlySequence<byte> validUtf8)
    {
        var seen = 0;
        long offset = 0;
        foreach (var segment in validUtf8)
        {
            var span = segment.Span;
            for (var i = 0; i < span.Length; i++, offset++)
            {
                if ((span[i] & 0xC0) != 0x80 && seen++ == EchoWire.StrippedCharacters)
                {
                    return offset;
                }
            }
        }
        return offset;
    }

    /// <summary>Python's <c>len(s)</c> for a string given as valid UTF-8 bytes.</summary>
    public static long CodePointCount(in ReadOnlySequence<byte> validUtf8)
    {
        long count = 0;
        foreach (var segment in validUtf8)
        {
            foreach (var b in segment.Span)
            {
                if ((b & 0xC0) != 0x80)
                {
                    count++;
                }
            }
        }
        return count;
    }
}
