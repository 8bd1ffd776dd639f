using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Switchboard.Protocol;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Framing;

/// <summary>
/// Reads whole frames from a <see cref="PipeReader"/> with any <see cref="IFrameDecoder{TFrame}"/>:
/// correct whether bytes arrive one at a time or many frames in one read, and never consuming
/// bytes past the frame (they stay in the pipe for the next call).
/// </summary>
public static class PipeFrameReader
{
    /// <summary>
    /// Reads one frame. The gap rule applies from the call (or, with <paramref name="idleUntilFirstByte"/>,
    /// from the frame's first byte, so long-lived connections may sit idle between frames).
    /// A frame must fit in the transport's read buffer (Kestrel: 1 MiB unless raised); length-prefixed frames
    /// that may not fit are read with <see cref="LengthPrefixedFrameReader"/>, which streams them.
    /// </summary>
    /// <param name="record">The record's name for error messages (e.g. <c>MessageRequest</c>).</param>
    /// <exception cref="ProtocolViolationException">The bytes are not a valid frame.</exception>
    /// <exception cref="PeerClosedException">The peer closed before the frame was complete, or before it began.</exception>
    /// <exception cref="PeerTimeoutException">The gap rule or deadline fired.</exception>
    public static async ValueTask<TFrame> ReadFrameAsync<TFrame>(
        this PipeReader reader, IFrameDecoder<TFrame> decoder, GapTimer timer, string record, bool idleUntilFirstByte = false)
    {
        var result = await reader.TryReadFrameAsync(decoder, timer, record, idleUntilFirstByte).ConfigureAwait(false);
        return result.IsClosed ? throw new PeerClosedException($"connection closed before {record} arrived") : result.Frame;
    }

    /// <summary>
    /// Reads one frame, or reports <see cref="FrameReadResult{TFrame}.Closed"/> when the peer closed cleanly
    /// between frames (nothing of a next frame had arrived): the normal end of a long-lived connection. A close
    /// in the middle of a frame is still a <see cref="PeerClosedException"/>, as in Bedrock's <c>ProtocolReader</c>.
    /// Timing is as for <see cref="ReadFrameAsync{TFrame}"/>.
    /// </summary>
    /// <exception cref="ProtocolViolationException">The bytes are not a valid frame.</exception>
    /// <exception cref="PeerClosedException">The peer closed part-way through a frame.</exception>
    /// <exception cref="PeerTimeoutException">The gap rule or deadline fired.</exception>
    // Pooled: a read that waits would otherwise box this method's state once per frame.
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<FrameReadResult<TFrame>> TryReadFrameAsync<TFrame>(
        this PipeReader reader, IFrameDecoder<TFrame> decoder, GapTimer timer, string record, bool idleUntilFirstByte = false)
    {
        if (idleUntilFirstByte)
        {
            timer.Pause();
        }
        else
        {
            timer.Restart();
        }
        while (true)
        {
            ReadResult result;
            try
            {
                result = await reader.ReadAsync(timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timer.HasExpired)
            {
                throw timer.Expired($"reading {record}");
            }
            if (result.IsCanceled)
            {
                throw new OperationCanceledException($"reading {record} was cancelled");
            }

            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                var status = decoder.TryDecode(buffer, out var frame, out var consumed, out var error);
                if (status == DecodeStatus.Complete)
                {
                    reader.AdvanceTo(consumed);
                    timer.Pause();
                    return FrameReadResult<TFrame>.Of(frame);
                }
                if (status == DecodeStatus.Invalid)
                {
                    reader.AdvanceTo(buffer.Start, buffer.End);
                    throw new ProtocolViolationException(record, error);
                }
            }
            if (result.IsCompleted)
            {
                var received = buffer.Length;
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (received == 0)
                {
                    timer.Pause();
                    return FrameReadResult<TFrame>.Closed;
                }
                throw new PeerClosedException($"connection closed after {Utf8Text.Bytes(received)} of an incomplete {record}");
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            timer.Restart();
        }
    }

    /// <summary>
    /// Waits, under the gap rule, for the peer to close its side, as protocols that answer only by closing
    /// (mailbox create) require. Returns 0 at a clean close, or the number of bytes that arrived instead.
    /// </summary>
    /// <exception cref="PeerTimeoutException">The peer neither closed nor sent anything within one gap.</exception>
    public static async ValueTask<long> WaitForCloseAsync(this PipeReader reader, GapTimer timer, string what)
    {
        timer.Restart();
        ReadResult result;
        try
        {
            result = await reader.ReadAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.HasExpired)
        {
            throw timer.Expired($"waiting for the server to close after {what}");
        }
        var received = result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.End);
        timer.Pause();
        return received;
    }

    /// <summary>
    /// Returns the number of bytes already received and not consumed, without waiting for more.
    /// Used to detect bytes a peer sent past the end of a record it should have ended with.
    /// </summary>
    public static long BufferedByteCount(this PipeReader reader)
    {
        if (!reader.TryRead(out var result))
        {
            return 0;
        }
        var length = result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.Start, result.Buffer.Start);
        return length;
    }
}
