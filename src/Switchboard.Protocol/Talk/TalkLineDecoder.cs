using System.Buffers;

namespace Switchboard.Protocol.Talk;

/// <summary>
/// Decodes one newline-terminated UTF-8 line. Lines may arrive in any number of pieces and several may
/// arrive at once; only the first line is consumed. A trailing <c>\r</c> before the <c>\n</c> is dropped.
/// A line longer than <see cref="MaxLineBytes"/> is rejected as soon as that is certain, so a peer that
/// never sends a newline cannot make the reader buffer more than the limit.
/// </summary>
public sealed class TalkLineDecoder : IFrameDecoder<string>
{
    /// <param name="maxLineBytes">Most UTF-8 bytes one line may hold, not counting its line ending.</param>
    public TalkLineDecoder(int maxLineBytes = TalkWire.DefaultMaxLineBytes)
    {
        if (maxLineBytes is < 1 or > TalkWire.MaxConfigurableLineBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxLineBytes), maxLineBytes,
                $"line limit must be 1-{TalkWire.MaxConfigurableLineBytes} bytes");
        }
        MaxLineBytes = maxLineBytes;
    }

    /// <summary>The default limit; stateless, so share it.</summary>
    public static TalkLineDecoder Default { get; } = new();

    public int MaxLineBytes { get; }

    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out string frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = string.Empty;
        consumed = input.Start;
        error = default;

        var newline = input.PositionOf(TalkWire.Newline);
        if (newline is null)
        {
            // Max bytes of text plus a '\r' may still be completed by a '\n'; one byte more never can.
            if (input.Length > (long)MaxLineBytes + 1)
            {
                error = TooLong($"more than {Utf8Text.Bytes(MaxLineBytes)} with no newline yet");
                return DecodeStatus.Invalid;
            }
            return DecodeStatus.Incomplete;
        }

        var line = input.Slice(input.Start, newline.Value);
        if (line.Length > 0 && EndsWithCarriageReturn(line))
        {
            line = line.Slice(0, line.Length - 1);
        }
        if (line.Length > MaxLineBytes)
        {
            error = TooLong(Utf8Text.Bytes(line.Length));
            return DecodeStatus.Invalid;
        }
        if (!TryDecodeText(line, out frame, out error))
        {
            return DecodeStatus.Invalid;
        }
        consumed = input.GetPosition(1, newline.Value);
        return DecodeStatus.Complete;
    }

    private DecodeError TooLong(string value) =>
        new(TalkWire.LineField, value, $"at most {Utf8Text.Bytes(MaxLineBytes)} before the newline", "line-too-long");

    private static bool EndsWithCarriageReturn(in ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1, 1);
        return last.FirstSpan[0] == TalkWire.CarriageReturn;
    }

    private static bool TryDecodeText(in ReadOnlySequence<byte> line, out string text, out DecodeError error) =>
        Utf8Text.TryDecodeField(line, TalkWire.LineField, out text, out error);
}
