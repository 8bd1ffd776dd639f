using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Echo;
using Switchboard.Protocol.Framing;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Echo;

/// <summary>
/// The echo server (handout 001) as a Kestrel connection handler: answers each length-prefixed message with the
/// message minus its first ten characters, in order, for as long as the client keeps the connection.
/// </summary>
/// <remarks>
/// <para>Replies are computed on the bytes: the payload is checked to be strict UTF-8 and the reply is the payload
/// after its tenth code point, which is exactly the UTF-8 of Python's <c>s[10:]</c>.</para>
/// <para>Replies to messages that arrived together are written together and flushed once (at most every 64 KiB),
/// under the gap rule; a large reply is written in 64 KiB pieces, each flushed under the gap rule.</para>
/// <para>Messages over 64 KiB are streamed out of the transport's buffer (see <see cref="LengthPrefixedFrameReader"/>),
/// so the 16 MiB limit works with Kestrel's 1 MiB read buffer, within the server-wide
/// <see cref="EchoServerOptions.MaxBufferedBytes"/>.</para>
/// <para>Stop: once the server begins to stop, no further message is read or answered (a message arriving after the
/// stop gets no reply, handout case 2a); a reply being written may finish until the host's shutdown timeout.</para>
/// </remarks>
public sealed class EchoConnectionHandler(EchoServerOptions options, EchoServerState state, ILoggerFactory logs, SwitchboardMetrics metrics)
    : ServiceConnectionHandler(ServiceName, logs.CreateLogger(ServiceName), metrics)
{
    public const string ServiceName = "echo";

    // Replies gathered before a flush, and the piece size of a large reply: each flush is one unit of progress for the gap rule.
    private const int FlushThreshold = 64 * 1024;

    private readonly LengthPrefixedDecoder _framing = new EchoFrameCodec(options.MaxPayloadBytes).Framing;

    private readonly FrameReaderLimits _limits = new()
    {
        GapTimeout = options.Limits.GapTimeout,
        RequestTimeout = options.Limits.RequestTimeout,
        IdleTimeout = options.Limits.IdleTimeout,
    };

    protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken hostStopping)
    {
        using var linked = state.Stopping.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(hostStopping, state.Stopping) : null;
        var serverStopping = linked?.Token ?? hostStopping;
        long messages = 0;
        try
        {
            await state.Serving.WaitAsync(serverStopping).ConfigureAwait(false);
            using var reader = new LengthPrefixedFrameReader(connection.Transport.Input, _framing, EchoWire.RecordName, state.Budget, _limits, serverStopping);
            using var writeTimer = new GapTimer(options.Limits.GapTimeout);
            var output = connection.Transport.Output;
            while (true)
            {
                var read = await reader.ReadAsync().ConfigureAwait(false);
                if (read.IsClosed)
                {
                    Logger.LogInformation("{Peer}: closed by client after {Count} {Messages}", peer, messages, messages == 1 ? "message" : "messages");
                    return;
                }
                var frame = read.Frame;
                long unflushed = 0;
                do
                {
                    // Bytes that arrive after a stop are not answered: a stopping server must look stopped to its clients.
                    serverStopping.ThrowIfCancellationRequested();
                    unflushed += await AnswerAsync(frame, output, writeTimer, peer).ConfigureAwait(false);
                    messages++;
                    if (unflushed >= FlushThreshold)
                    {
                        await output.FlushWithGapAsync(writeTimer, $"{EchoWire.RecordName} reply").ConfigureAwait(false);
                        unflushed = 0;
                    }
                }
                while (reader.TryReadBuffered(out frame));
                if (unflushed > 0)
                {
                    await output.FlushWithGapAsync(writeTimer, $"{EchoWire.RecordName} reply").ConfigureAwait(false);
                }
            }
        }
        catch (Exception e) when (serverStopping.IsCancellationRequested && IsStopEffect(e))
        {
            Logger.LogInformation("{Peer}: closed by server stop after {Count} {Messages}", peer, messages, messages == 1 ? "message" : "messages");
        }
        finally
        {
        }
    }

    /// <summary>Writes the reply to <paramref name="message"/>; returns the bytes written and not yet flushed.</summary>
    private async ValueTask<long> AnswerAsync(ReadOnlySequence<byte> message, PipeWriter output, GapTimer writeTimer, string peer)
    {
        if (!EchoFrameCodec.TryValidatePayload(message, out var error))
        {
            throw new ProtocolViolationException(EchoWire.RecordName, error);
        }
        var reply = message.Slice(EchoReply.Utf8ReplyStart(message));
        Metrics.Request(Service, "message");
        Metrics.BytesReceived(Service, EchoWire.HeaderSize + message.Length);
        Metrics.BytesSent(Service, EchoWire.HeaderSize + reply.Length);
        if (Logger.IsEnabled(LogLevel.Debug))
        {
            Logger.LogDebug("{Peer}: message of {Length} characters answered with {ReplyLength}",
                peer, EchoReply.CodePointCount(message), EchoReply.CodePointCount(reply));
        }
        if (reply.Length < FlushThreshold)
        {
            return LengthPrefixedDecoder.Write(output, reply);
        }
        LengthPrefixedDecoder.WriteHeader(output, (int)reply.Length);
        while (!reply.IsEmpty)
        {
            var piece = reply.Slice(0, Math.Min(FlushThreshold, reply.Length));
            foreach (var segment in piece)
            {
                output.Write(segment.Span);
            }
            reply = reply.Slice(piece.End);
            await output.FlushWithGapAsync(writeTimer, $"{EchoWire.RecordName} reply").ConfigureAwait(false);
        }
        return 0;
    }

    /// <summary>What a read or write sees when the server stops under it: cancellation, or the connection aborted after the shutdown timeout.</summary>
    private static bool IsStopEffect(Exception e) =>
        e is OperationCanceledException or IOException or ConnectionAbortedException or ConnectionResetException or PeerClosedException or ObjectDisposedException;
}
