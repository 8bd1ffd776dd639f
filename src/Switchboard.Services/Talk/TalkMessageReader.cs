using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using Switchboard.Protocol;
using Switchboard.Protocol.Talk;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Talk;

/// <summary>How the peer ends its messages, learnt from its first one.</summary>
internal enum PeerStyle
{
    /// <summary>Nothing complete has arrived yet.</summary>
    Unknown,

    /// <summary>Each message ends with <c>\n</c>: strict line framing from then on.</summary>
    Newline,

    /// <summary>
    /// The handout's style: what Python's <c>input()</c> returns, sent with no newline and read with one
    /// <c>recv</c>. A message ends when its bytes stop arriving for the quiet period.
    /// </summary>
    Bare,
}

/// <summary>
/// Reads one conversation's messages. A newline ends a message, as always; until the peer has shown that
/// it ends its messages with newlines, a message also ends when its bytes stop arriving for
/// <c>quiet</c>, which is what a lock-step peer that sends no newline looks like: it sent, and now waits
/// for our answer. Every read of the connection goes through here, because the quiet period works by
/// cancelling the pending read (the buffer comes back with the cancelled result), and a late cancel is
/// harmless only to a reader that expects one.
/// </summary>
internal sealed class TalkMessageReader(PipeReader input, TalkLineDecoder lines, TimeSpan quiet)
{
    private const string Record = TalkWire.RecordName;

    private volatile PeerStyle _style;

    public PeerStyle Style => _style;

    /// <summary>Bytes of a message that had started to arrive when the peer closed; 0 otherwise.</summary>
    public long PendingBytes { get; private set; }

    /// <summary>Encodes <paramref name="text"/> the way the peer ends its own messages (no newline to a peer that sends none).</summary>
    public byte[] Encode(string text, int maxLineBytes)
    {
        var bytes = TalkLineEncoder.Encode(text, maxLineBytes);
        return _style == PeerStyle.Bare ? bytes[..^1] : bytes;
    }

    /// <summary>
    /// The next message. Idle time before its first byte is allowed (a person is typing at the other end);
    /// once it has started, the gap rule applies.
    /// </summary>
    /// <exception cref="PeerClosedException">The peer closed; <see cref="PendingBytes"/> says whether mid-line.</exception>
    /// <exception cref="ProtocolViolationException">Too long, or not UTF-8.</exception>
    /// <exception cref="PeerTimeoutException">The message stalled past the gap.</exception>
    public async ValueTask<string> ReadAsync(GapTimer timer)
    {
        timer.Pause();
        long seen = 0;
        var lastProgress = Stopwatch.GetTimestamp();
        while (true)
        {
            var bareAllowed = _style != PeerStyle.Newline;
            var result = await ReadOnceAsync(timer, bareAllowed && seen > 0 ? quiet - Stopwatch.GetElapsedTime(lastProgress) : null).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                var status = lines.TryDecode(buffer, out var line, out var consumed, out var error);
                if (status == DecodeStatus.Complete)
                {
                    input.AdvanceTo(consumed);
                    timer.Pause();
                    _style = PeerStyle.Newline;
                    return line;
                }
                if (status == DecodeStatus.Invalid)
                {
                    input.AdvanceTo(buffer.Start, buffer.End);
                    throw new ProtocolViolationException(Record, error);
                }
                if (buffer.Length > seen)
                {
                    seen = buffer.Length;
                    lastProgress = Stopwatch.GetTimestamp();
                    timer.Restart();
                }
            }
            var quietOver = result.IsCanceled && seen > 0 && Stopwatch.GetElapsedTime(lastProgress) >= quiet;
            if (bareAllowed && !buffer.IsEmpty && (result.IsCompleted || quietOver))
            {
                // The peer stopped sending (or closed) after a message without a newline: that was its message.
                var text = DecodeBare(buffer);
                input.AdvanceTo(buffer.End);
                timer.Pause();
                _style = PeerStyle.Bare;
                return text;
            }
            if (result.IsCompleted)
            {
                PendingBytes = buffer.Length;
                input.AdvanceTo(buffer.Start, buffer.End);
                throw new PeerClosedException(buffer.IsEmpty
                    ? $"connection closed before {Record} arrived"
                    : $"connection closed after {Utf8Text.Bytes(buffer.Length)} of an incomplete {Record}");
            }
            input.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    /// <summary>
    /// Waits while it is this side's turn to speak, for as long as <paramref name="cancellationToken"/> allows:
    /// returns true when the peer closed, false when it sent something (out of turn: left unread for the
    /// next <see cref="ReadAsync"/>). A reset surfaces as the pipe's exception.
    /// </summary>
    public async Task<bool> WatchForCloseAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCompleted && buffer.IsEmpty)
            {
                input.AdvanceTo(buffer.Start, buffer.End);
                return true;
            }
            // Nothing examined: the next read returns these bytes at once.
            input.AdvanceTo(buffer.Start);
            if (!buffer.IsEmpty || result.IsCompleted)
            {
                return false;
            }
            // A late quiet-period cancel: look again.
        }
    }

    private async ValueTask<ReadResult> ReadOnceAsync(GapTimer timer, TimeSpan? quietLeft)
    {
        CancellationTokenSource? quietTimer = null;
        CancellationTokenRegistration cancelRead = default;
        if (quietLeft is { } left)
        {
            quietTimer = new CancellationTokenSource(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            cancelRead = quietTimer.Token.Register(static reader => ((PipeReader)reader!).CancelPendingRead(), input);
        }
        try
        {
            return await input.ReadAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.HasExpired)
        {
            throw timer.Expired($"reading {Record}");
        }
        finally
        {
            await cancelRead.DisposeAsync().ConfigureAwait(false);
            quietTimer?.Dispose();
        }
    }

    private string DecodeBare(in ReadOnlySequence<byte> buffer)
    {
        // The line decoder's checks (length, UTF-8) and messages, as if the newline had come.
        var whole = new byte[buffer.Length + 1];
        buffer.CopyTo(whole);
        whole[^1] = TalkWire.Newline;
        if (lines.TryDecode(new ReadOnlySequence<byte>(whole), out var text, out _, out var error) != DecodeStatus.Complete)
        {
            throw new ProtocolViolationException(Record, error);
        }
        return text;
    }
}
