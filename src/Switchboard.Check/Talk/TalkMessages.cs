using System.Diagnostics;
using System.Text;
using Switchboard.Check.Common;
using Switchboard.Check.Core;

namespace Switchboard.Check.Talk;

/// <summary>How one talk message read by the checker ended.</summary>
internal enum TalkEnd
{
    /// <summary>A <c>\n</c> (a newline-terminated peer).</summary>
    Newline,

    /// <summary>Bytes, then no more for the quiet period (a handout-style peer, which sends no newline).</summary>
    Quiet,

    /// <summary>The peer closed (or reset) the connection; any bytes before it are the message.</summary>
    Closed,

    /// <summary>Nothing at all arrived within the limit.</summary>
    Nothing,
}

/// <summary>One message as received, its end, and the text (a <c>\r</c> before the newline dropped).</summary>
internal sealed record TalkMessage(byte[] Bytes, TalkEnd End)
{
    public bool IsUtf8 => System.Text.Unicode.Utf8.IsValid(Bytes);

    public string Text => Encoding.UTF8.GetString(Bytes);

    public string Describe() => End switch
    {
        TalkEnd.Nothing => "nothing",
        TalkEnd.Closed when Bytes.Length == 0 => "a close with no message",
        TalkEnd.Closed => $"{ByteText.TextOrHex(Bytes)} and then a close",
        TalkEnd.Quiet => $"{ByteText.TextOrHex(Bytes)} (no newline)",
        _ => ByteText.TextOrHex(Bytes),
    };
}

/// <summary>
/// Reading and writing handout 003's messages: the handout defines no terminator (its programs send what
/// <c>input()</c> returns and read with one <c>recv</c>), so a message ends at a <c>\n</c> or, from a peer that
/// sends none, when its bytes stop for a quiet period (docs/talk-protocol.md). The checker itself always sends a
/// <c>\n</c>, which every kind of peer accepts.
/// </summary>
internal static class TalkMessages
{
    /// <summary>Longer than Switchboard's 200 ms and a loaded machine's hiccups, short enough to keep cases quick.</summary>
    public static readonly TimeSpan Quiet = TimeSpan.FromMilliseconds(500);

    public static byte[] Line(string text) => Encoding.UTF8.GetBytes(text + "\n");

    /// <summary>Reads one message: up to a newline, the peer going quiet after some bytes, a close, or <paramref name="limit"/>.</summary>
    public static async Task<TalkMessage> ReadAsync(RawConnection connection, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var bytes = new List<byte>();
        while (true)
        {
            var left = limit - clock.Elapsed;
            if (left <= TimeSpan.Zero)
            {
                return Done(bytes, bytes.Count == 0 ? TalkEnd.Nothing : TalkEnd.Quiet);
            }
            // One byte a read: a message never takes bytes of the next one, and the quiet period restarts per byte.
            var wait = bytes.Count == 0 ? left : (Quiet < left ? Quiet : left);
            var read = await connection.ReadAsync(1, wait, ct).ConfigureAwait(false);
            switch (read.End)
            {
                case ReadEnd.Complete when read.Bytes[0] == (byte)'\n':
                    return Done(bytes, TalkEnd.Newline);
                case ReadEnd.Complete:
                    bytes.Add(read.Bytes[0]);
                    break;
                case ReadEnd.TimedOut:
                    return Done(bytes, bytes.Count == 0 ? TalkEnd.Nothing : TalkEnd.Quiet);
                default:
                    return Done(bytes, TalkEnd.Closed);
            }
        }
    }

    /// <summary>Null when <paramref name="got"/> is the message <paramref name="expected"/> (with or without a newline), else why not.</summary>
    public static string? Problem(TalkMessage got, string expected, string what)
    {
        if (got.End is TalkEnd.Newline or TalkEnd.Quiet && got.Bytes.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(expected)))
        {
            return null;
        }
        return $"{what}: expected {ByteText.Quote(expected)}, got {got.Describe()}";
    }

    private static TalkMessage Done(List<byte> bytes, TalkEnd end)
    {
        // A CRLF peer: the \r belongs to the line ending, not the text.
        if (end == TalkEnd.Newline && bytes.Count > 0 && bytes[^1] == (byte)'\r')
        {
            bytes.RemoveAt(bytes.Count - 1);
        }
        return new TalkMessage([.. bytes], end);
    }
}
