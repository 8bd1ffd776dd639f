using System.Buffers.Binary;
using System.Text;
using Switchboard.Check.Common;
using Switchboard.Check.Core;
using Switchboard.Protocol.Echo;

namespace Switchboard.Check.Echo;

/// <summary>Handout 001's frames as the echo cases send and judge them.</summary>
internal static class EchoFrames
{
    /// <summary><c>[payload_length u32 BE][payload UTF-8]</c>.</summary>
    public static byte[] Frame(string payload) => EchoFrameCodec.Encode(payload);

    /// <summary>What a correct server answers to <paramref name="message"/>: Python's <c>message[10:]</c>, framed.</summary>
    public static byte[] Reply(string message) => Frame(EchoReply.For(message));

    /// <summary>
    /// Reads one reply frame and compares it with the reply to <paramref name="message"/>; null when it matches.
    /// <paramref name="which"/> names the reply in the reason ("the reply", "reply 2 of 3").
    /// </summary>
    public static async Task<string?> ReplyProblemAsync(RawConnection connection, string message, string which, TimeSpan limit, CancellationToken ct)
    {
        var expected = Reply(message);
        var header = await connection.ReadAsync(EchoWire.HeaderSize, limit, ct).ConfigureAwait(false);
        if (header.End != ReadEnd.Complete)
        {
            return $"{which}: expected {Describe(expected)}, got {header.Describe()}";
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.Bytes);
        var expectedLength = expected.Length - EchoWire.HeaderSize;
        if (length != expectedLength)
        {
            // Show what the payload held, briefly: it usually tells the bug (bytes sliced, a partial message).
            var some = await connection.ReadAsync((int)Math.Min(length, 16), TimeSpan.FromMilliseconds(300), ct).ConfigureAwait(false);
            return $"{which}: expected payload_length {expectedLength} ({Hint(message)}), got {length} (header {ByteText.Spaced(header.Bytes)}, payload starting {ByteText.TextOrHex(some.Bytes)})";
        }
        var payload = await connection.ReadAsync(expectedLength, limit, ct).ConfigureAwait(false);
        if (payload.End != ReadEnd.Complete)
        {
            return $"{which}: payload_length {length} but {payload.Describe()}";
        }
        if (ByteText.Difference(expected.AsSpan(EchoWire.HeaderSize), payload.Bytes) is { } difference)
        {
            return $"{which}: expected the payload {ByteText.TextOrHex(expected.AsSpan(EchoWire.HeaderSize))}, got {ByteText.TextOrHex(payload.Bytes)} ({difference})";
        }
        return null;
    }

    /// <summary>e.g. <c>00 00 00 14 " and seven years ago"</c>.</summary>
    public static string Describe(byte[] frame) =>
        $"{ByteText.Spaced(frame.AsSpan(0, EchoWire.HeaderSize))} {ByteText.TextOrHex(frame.AsSpan(EchoWire.HeaderSize))}";

    private static string Hint(string message)
    {
        var characters = EchoReply.CodePointCount(message);
        var bytes = Encoding.UTF8.GetByteCount(message);
        return characters == bytes
            ? $"the {bytes}-byte message minus its first 10 characters"
            : $"the message has {characters} characters in {bytes} bytes; the reply drops 10 characters, not 10 bytes";
    }

    /// <summary>ASCII text of <paramref name="length"/> characters whose every position is recognisable (a shifted copy shows).</summary>
    public static string Text(int length, string seed = "echo")
    {
        var sb = new StringBuilder(length);
        var i = 0;
        while (sb.Length < length)
        {
            sb.Append(System.Globalization.CultureInfo.InvariantCulture, $"{seed}-{i++:D5} ");
        }
        return sb.ToString(0, length);
    }
}
