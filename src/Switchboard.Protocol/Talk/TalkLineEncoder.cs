using System.Buffers;
using System.Text;

namespace Switchboard.Protocol.Talk;

/// <summary>Encodes a line for the wire: its UTF-8 bytes and a <c>\n</c>, never a <c>\r</c>.</summary>
public static class TalkLineEncoder
{
    /// <summary>Why <paramref name="line"/> cannot be sent under <paramref name="maxLineBytes"/>, or null when it can.</summary>
    public static string? Problem(string line, int maxLineBytes = TalkWire.DefaultMaxLineBytes)
    {
        if (line.AsSpan().IndexOfAny('\r', '\n') >= 0)
        {
            return "a line cannot contain a line break";
        }
        int bytes;
        try
        {
            bytes = Utf8Text.Strict.GetByteCount(line);
        }
        catch (EncoderFallbackException)
        {
            return "the line holds a lone UTF-16 surrogate, which has no UTF-8 form";
        }
        return bytes > maxLineBytes
            ? $"the line is {Utf8Text.Bytes(bytes)} in UTF-8, more than the limit of {Utf8Text.Bytes(maxLineBytes)}"
            : null;
    }

    /// <summary>The bytes of <paramref name="line"/> on the wire, line ending included.</summary>
    /// <exception cref="ArgumentException">The line holds a line break or is over the limit.</exception>
    public static byte[] Encode(string line, int maxLineBytes = TalkWire.DefaultMaxLineBytes)
    {
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, line, maxLineBytes);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <paramref name="line"/> and its line ending; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">The line holds a line break or is over the limit.</exception>
    public static int Write(IBufferWriter<byte> writer, string line, int maxLineBytes = TalkWire.DefaultMaxLineBytes)
    {
        if (Problem(line, maxLineBytes) is { } problem)
        {
            throw new ArgumentException(problem, nameof(line));
        }
        // Strict: a lone surrogate in the string is a bug upstream, not something to send as U+FFFD.
        var size = Utf8Text.Strict.GetByteCount(line) + 1;
        var span = writer.GetSpan(size);
        var written = Utf8Text.Strict.GetBytes(line, span);
        span[written] = TalkWire.Newline;
        writer.Advance(written + 1);
        return written + 1;
    }
}
