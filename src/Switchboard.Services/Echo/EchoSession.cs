using System.Buffers;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Echo;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Echo;

/// <summary>
/// Serves one accepted connection: reads messages with receives of at most bufferSize bytes and answers
/// each with <see cref="EchoReply.For"/>. Replies to messages that arrived together go out in one send.
/// </summary>
internal sealed class EchoSession(
    Socket socket, string peer, int bufferSize, EchoFrameCodec codec, EchoServerOptions options, ILogger logger, SwitchboardMetrics? metrics)
{
    internal const string Service = "echo";

    // Bounds the replies gathered before a send, so a flood of pipelined messages cannot grow them without limit.
    private const int MaxBatchBytes = 64 * 1024;

    /// <summary>Messages answered so far.</summary>
    public long Messages { get; private set; }

    /// <summary>Serves until the client closes (returns true) or <paramref name="stop"/> fires (returns false).</summary>
    /// <param name="stop">Ends the session: no further message is read or answered.</param>
    /// <param name="stopDeadline">Aborts a reply still being written after a stop.</param>
    /// <exception cref="SwitchboardException">The client broke the protocol, stalled, or closed mid-message.</exception>
    public async Task<bool> RunAsync(CancellationToken stop, CancellationToken stopDeadline)
    {
        var buffer = new EchoFrameBuffer(bufferSize, codec);
        var replies = new ArrayBufferWriter<byte>(MaxBatchBytes);
        using var readTimer = new GapTimer(options.GapTimeout, stop);
        using var writeTimer = new GapTimer(options.GapTimeout, stopDeadline);
        while (true)
        {
            var status = AnswerWholeMessages(buffer, replies, out var error);
            if (replies.WrittenCount > 0)
            {
                await SendAsync(replies.WrittenMemory, writeTimer).ConfigureAwait(false);
                replies.ResetWrittenCount();
                if (replies.Capacity > 2 * MaxBatchBytes)
                {
                    // One large reply must not pin its size in memory for the rest of a long-lived connection.
                    replies = new ArrayBufferWriter<byte>(MaxBatchBytes);
                }
            }
            if (status == DecodeStatus.Invalid)
            {
                throw new ProtocolViolationException(EchoWire.RecordName, error);
            }
            if (status == DecodeStatus.Complete)
            {
                continue;
            }

            // Idle between messages is allowed; once a message has begun, the gap rule applies.
            if (buffer.Buffered == 0)
            {
                readTimer.Pause();
            }
            else
            {
                readTimer.Restart();
            }
            var received = await ReceiveAsync(buffer.GetReceiveMemory(), readTimer).ConfigureAwait(false);
            if (received == 0)
            {
                if (buffer.Buffered == 0)
                {
                    return true;
                }
                throw new PeerClosedException($"connection closed after {Utf8Text.Bytes(buffer.Buffered)} of an incomplete {EchoWire.RecordName}");
            }
            buffer.Advance(received);
            metrics?.BytesReceived(Service, received);
            // Bytes that arrive after a stop are not answered: a stopping server must look stopped to its clients.
            if (stop.IsCancellationRequested)
            {
                return false;
            }
        }
    }

    private DecodeStatus AnswerWholeMessages(EchoFrameBuffer buffer, ArrayBufferWriter<byte> replies, out DecodeError error)
    {
        while (true)
        {
            var status = buffer.TryTake(out var message, out error);
            if (status != DecodeStatus.Complete)
            {
                return status;
            }
            var reply = EchoReply.For(message);
            EchoFrameCodec.Encode(replies, reply);
            Messages++;
            metrics?.Request(Service, "message");
            if (logger.IsEnabled(LogLevel.Debug))
            {
                logger.LogDebug("{Peer}: message of {Length} characters answered with {ReplyLength}", peer, EchoReply.CodePointCount(message), EchoReply.CodePointCount(reply));
            }
            if (replies.WrittenCount >= MaxBatchBytes)
            {
                return DecodeStatus.Complete;
            }
        }
    }

    private async ValueTask<int> ReceiveAsync(Memory<byte> memory, GapTimer timer)
    {
        try
        {
            return await socket.ReceiveAsync(memory, SocketFlags.None, timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.HasExpired)
        {
            throw timer.Expired($"reading {EchoWire.RecordName}");
        }
    }

    private async ValueTask SendAsync(ReadOnlyMemory<byte> bytes, GapTimer timer)
    {
        var total = bytes.Length;
        timer.Restart();
        while (!bytes.IsEmpty)
        {
            int sent;
            try
            {
                sent = await socket.SendAsync(bytes, SocketFlags.None, timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timer.HasExpired)
            {
                throw timer.Expired($"writing {EchoWire.RecordName} reply");
            }
            bytes = bytes[sent..];
            timer.Restart();
        }
        timer.Pause();
        metrics?.BytesSent(Service, total);
    }
}
