using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Net;
using System.Net.WebSockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;
using Switchboard.Protocol.Chat;

namespace Switchboard.Services.Chat.Web;

/// <summary>
/// A WebSocket seen as the byte-stream connection a chat handler expects, so a browser runs through the very same
/// <see cref="ChatParticipantHandler"/> as a terminal (room, queue bound, rate limit, username rules and timer).
/// Each binary message the browser sends is one chat frame, header included; its bytes are fed to the handler's
/// input pipe in order. What the handler writes is cut back into frames, one message each. Both directions go
/// through small pipes, so a browser that stops reading fills the outgoing queue exactly as a TCP client does.
/// </summary>
internal sealed class WebSocketConnection : ConnectionContext, IConnectionLifetimeNotificationFeature
{
    /// <summary>Largest message accepted from a browser: one frame of the largest datalen a server accepts.</summary>
    public const int MaxMessageBytes = ChatWire.HeaderSize + ChatWire.MaxClientDataBytes;

    private static readonly PipeOptions Options = new(pauseWriterThreshold: 64 * 1024, resumeWriterThreshold: 32 * 1024, useSynchronizationContext: false);

    private readonly WebSocket _socket;
    private readonly Pipe _input = new(Options);
    private readonly Pipe _output = new(Options);
    private readonly CancellationTokenSource _aborted = new();
    private readonly Task _receiving;
    private readonly Task _sending;
    private WebSocketCloseStatus _closeStatus = WebSocketCloseStatus.NormalClosure;

    public WebSocketConnection(WebSocket socket, IPAddress? remoteAddress, int remotePort, CancellationToken serverStopping)
    {
        _socket = socket;
        RemoteEndPoint = new WebPeerEndPoint(remoteAddress, remotePort);
        ConnectionClosedRequested = serverStopping;
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        Features.Set<IConnectionLifetimeNotificationFeature>(this);
        _receiving = ReceiveAsync();
        _sending = SendAsync();
    }

    public override string ConnectionId { get; set; } = Guid.NewGuid().ToString("N");

    public override IFeatureCollection Features { get; } = new FeatureCollection();

    public override IDictionary<object, object?> Items { get; set; } = new Dictionary<object, object?>();

    public override IDuplexPipe Transport { get; set; }

    public override CancellationToken ConnectionClosed => _aborted.Token;

    /// <summary>Fires when the server begins to stop: the handler says goodbye (<c>server-shutdown</c>) and ends.</summary>
    public CancellationToken ConnectionClosedRequested { get; set; }

    public void RequestClose()
    {
        // The server's stopping token is what asks handlers to close; nothing else does.
    }

    /// <summary>Drops the connection at once (a slow reader): nothing more is sent, not even a close message.</summary>
    public override void Abort(ConnectionAbortedException abortReason)
    {
        try
        {
            _aborted.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished already.
        }
        _socket.Abort();
    }

    /// <summary>
    /// After the handler has returned: sends what it wrote last and a close message, then waits up to
    /// <paramref name="linger"/> for the browser's close before dropping the connection.
    /// </summary>
    public async Task FinishAsync(TimeSpan linger)
    {
        var done = Task.WhenAll(_sending, _receiving);
        if (await Task.WhenAny(done, Task.Delay(linger, CancellationToken.None)).ConfigureAwait(false) != done)
        {
            Abort(new ConnectionAbortedException("the browser did not close in time"));
            await done.ConfigureAwait(false);
        }
    }

    public override async ValueTask DisposeAsync()
    {
        Abort(new ConnectionAbortedException("disposed"));
        await Task.WhenAll(_sending, _receiving).ConfigureAwait(false);
        _aborted.Dispose();
        _socket.Dispose();
    }

    /// <summary>Browser → handler. Never throws: failures end the handler's input with the reason.</summary>
    private async Task ReceiveAsync()
    {
        await Task.Yield();
        var writer = _input.Writer;
        var handlerReading = true;
        var scratch = new byte[1024];
        long inMessage = 0;
        try
        {
            while (true)
            {
                // Once the handler has stopped reading, only the browser's close message is awaited.
                var memory = handlerReading ? writer.GetMemory(4096) : scratch;
                var result = await _socket.ReceiveAsync(memory, _aborted.Token).ConfigureAwait(false);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }
                if (!handlerReading)
                {
                    continue;
                }
                if (result.MessageType == WebSocketMessageType.Text)
                {
                    Refuse(writer, new WebSocketMessageException(
                        "a text WebSocket message: chat frames travel in binary messages", WebSocketCloseStatus.InvalidMessageType));
                    handlerReading = false;
                    continue;
                }
                inMessage += result.Count;
                if (inMessage > MaxMessageBytes)
                {
                    Refuse(writer, new WebSocketMessageException(
                        $"a WebSocket message of more than {MaxMessageBytes} bytes (one frame of at most {ChatWire.MaxClientDataBytes} bytes of data)",
                        WebSocketCloseStatus.MessageTooBig));
                    handlerReading = false;
                    continue;
                }
                if (result.EndOfMessage)
                {
                    inMessage = 0;
                }
                writer.Advance(result.Count);
                var flushed = await writer.FlushAsync().ConfigureAwait(false);
                handlerReading = !flushed.IsCompleted;
            }
            await writer.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The browser vanished without a close message, or the connection was aborted.
            await writer.CompleteAsync(new ConnectionResetException("the browser's connection ended without a WebSocket close", e)).ConfigureAwait(false);
        }
    }

    private void Refuse(PipeWriter writer, WebSocketMessageException reason)
    {
        _closeStatus = reason.CloseStatus;
        writer.Complete(reason);
    }

    /// <summary>Handler → browser, one frame a message. Ends with a close message once the handler completes its output.</summary>
    private async Task SendAsync()
    {
        await Task.Yield();
        var reader = _output.Reader;
        long remaining = 0;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(_aborted.Token).ConfigureAwait(false);
                var buffer = result.Buffer;
                while (true)
                {
                    if (remaining == 0)
                    {
                        if (buffer.Length < ChatWire.HeaderSize)
                        {
                            break;
                        }
                        remaining = ChatWire.HeaderSize + (long)DataLength(buffer);
                    }
                    if (buffer.IsEmpty)
                    {
                        break;
                    }
                    // Frames go out as they arrive, in as many pieces as the pipe holds them: a long one never waits
                    // for room the pipe would only make once it was sent.
                    var piece = buffer.Slice(0, Math.Min(remaining, buffer.Length));
                    remaining -= piece.Length;
                    await SendPiecesAsync(piece, endOfMessage: remaining == 0).ConfigureAwait(false);
                    buffer = buffer.Slice(piece.End);
                }
                reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
            await reader.CompleteAsync().ConfigureAwait(false);
            if (_socket.State is WebSocketState.Open or WebSocketState.CloseReceived)
            {
                await _socket.CloseOutputAsync(_closeStatus, null, _aborted.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // Gone or aborted: the handler's next write fails as a lost connection (a raw WebSocketException would
            // reach it as an unexpected error), and its reading side ends too.
            await reader.CompleteAsync(new ConnectionResetException("the browser's connection ended while frames were being sent", e)).ConfigureAwait(false);
        }
    }

    private static uint DataLength(ReadOnlySequence<byte> buffer)
    {
        Span<byte> header = stackalloc byte[ChatWire.HeaderSize];
        buffer.Slice(0, ChatWire.HeaderSize).CopyTo(header);
        return BinaryPrimitives.ReadUInt32BigEndian(header);
    }

    private async Task SendPiecesAsync(ReadOnlySequence<byte> piece, bool endOfMessage)
    {
        var position = piece.Start;
        var left = piece.Length;
        while (piece.TryGet(ref position, out var segment))
        {
            if (segment.IsEmpty)
            {
                continue;
            }
            left -= segment.Length;
            await _socket.SendAsync(segment, WebSocketMessageType.Binary, endOfMessage && left == 0, _aborted.Token).ConfigureAwait(false);
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
