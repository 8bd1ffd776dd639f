using System.Net;
using System.Net.Sockets;
using Switchboard.Protocol;
using Switchboard.Protocol.Echo;
using Switchboard.Transport.Client;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Echo;

/// <summary>
/// Handout 001's <c>buffered_client.py</c>: sends length-prefixed messages and receives the server's replies.
/// Connects on construction.
/// </summary>
/// <remarks>
/// <para>Failures of the exchange never throw: <see cref="ReceiveMessage"/> returns <c>("", false)</c> when the
/// server has closed the connection, reset it, sent something malformed, or the client was shut down, and
/// <see cref="LastError"/> says which. <see cref="SendMessage"/> returns normally even when the connection is
/// gone (the handout's grader keeps sending to a stopping server); the next receive reports the failure.
/// Only misuse throws (a null message, text that UTF-8 cannot carry).</para>
/// <para>Each receive asks the socket for at most <see cref="BufferSize"/> bytes. Longer messages are reassembled;
/// bytes of the next message that arrive with the end of this one are kept for the next call.</para>
/// <para>One send and one receive may run at the same time (e.g. on two threads); two sends, or two receives,
/// may not.</para>
/// </remarks>
public sealed class BufferedClient : IDisposable, IAsyncDisposable
{
    /// <summary>Largest buffer size accepted: 1 MiB (the handout suggests a power of two up to 4096).</summary>
    public const int MaxBufferSize = 1024 * 1024;

    private readonly Socket _socket;
    private readonly EchoFrameBuffer _received;
    private volatile string? _failure;
    private int _shutDown;

    /// <summary>Resolves <paramref name="host"/> with the system resolver and connects, as the handout's constructor does.</summary>
    /// <param name="host">Dotted IPv4 address, IPv6 address or host name.</param>
    /// <param name="port">The server's port, 1-65535.</param>
    /// <param name="bufferSize">Most bytes asked of the socket per receive, 1 to <see cref="MaxBufferSize"/>.</param>
    /// <param name="maxPayloadBytes">Largest reply accepted; a longer payload_length fails the receive before anything is allocated for it.</param>
    /// <exception cref="ConnectFailedException">The name does not resolve, or no address accepts the connection.</exception>
    public BufferedClient(string host, int port, int bufferSize, int maxPayloadBytes = EchoWire.DefaultMaxPayloadBytes)
        : this(
            // The one blocking entry point for connecting: the handout's constructor connects. TcpConnector uses
            // ConfigureAwait(false) throughout, so blocking here cannot deadlock on a synchronization context.
            ValidatedConnectAsync(host, port, bufferSize, maxPayloadBytes, CancellationToken.None).GetAwaiter().GetResult(),
            bufferSize,
            maxPayloadBytes)
    {
    }

    private BufferedClient(Socket socket, int bufferSize, int maxPayloadBytes)
    {
        _socket = socket;
        _socket.NoDelay = true;
        BufferSize = bufferSize;
        RemoteEndPoint = socket.RemoteEndPoint!;
        _received = new EchoFrameBuffer(bufferSize, new EchoFrameCodec(maxPayloadBytes));
    }

    /// <summary>Connects without blocking a thread. Same arguments and failures as the constructor.</summary>
    public static async Task<BufferedClient> ConnectAsync(string host, int port, int bufferSize, CancellationToken cancellationToken = default, int maxPayloadBytes = EchoWire.DefaultMaxPayloadBytes)
    {
        var socket = await ValidatedConnectAsync(host, port, bufferSize, maxPayloadBytes, cancellationToken).ConfigureAwait(false);
        return new BufferedClient(socket, bufferSize, maxPayloadBytes);
    }

    /// <summary>Most bytes asked of the socket per receive.</summary>
    public int BufferSize { get; }

    /// <summary>The server's address.</summary>
    public EndPoint RemoteEndPoint { get; }

    /// <summary>Why the exchange failed (e.g. <c>server closed the connection</c>), or null while it has not.</summary>
    public string? LastError => _failure;

    /// <summary>Encodes <paramref name="message"/> as <c>[payload_length][payload]</c> and sends all of it.</summary>
    /// <exception cref="ArgumentException"><paramref name="message"/> is null or holds a lone surrogate.</exception>
    public void SendMessage(string message)
    {
        var frame = EchoFrameCodec.Encode(message);
        if (_failure is not null)
        {
            return;
        }
        try
        {
            var sent = 0;
            while (sent < frame.Length)
            {
                sent += _socket.Send(frame, sent, frame.Length - sent, SocketFlags.None);
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Fail(e);
        }
    }

    /// <inheritdoc cref="SendMessage"/>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired; part of the message may have been sent.</exception>
    public async Task SendMessageAsync(string message, CancellationToken cancellationToken = default)
    {
        var frame = EchoFrameCodec.Encode(message);
        if (_failure is not null)
        {
            return;
        }
        try
        {
            await _socket.SendAsync(frame, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Fail(e);
        }
    }

    /// <summary>Waits for the next whole reply.</summary>
    /// <returns>The payload and true; or <c>("", false)</c> when the server closed the connection or the exchange
    /// failed (see <see cref="LastError"/>). Once it has failed it keeps returning <c>("", false)</c>.</returns>
    public (string Payload, bool Success) ReceiveMessage()
    {
        try
        {
            while (_failure is null)
            {
                if (TryTake(out var reply))
                {
                    return reply;
                }
                var received = _socket.Receive(_received.GetReceiveMemory().Span, SocketFlags.None);
                if (!Received(received))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Fail(e);
        }
        return (string.Empty, false);
    }

    /// <inheritdoc cref="ReceiveMessage"/>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired. Bytes already received are kept,
    /// so a later call continues where this one stopped.</exception>
    public async Task<(string Payload, bool Success)> ReceiveMessageAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            while (_failure is null)
            {
                if (TryTake(out var reply))
                {
                    return reply;
                }
                var received = await _socket.ReceiveAsync(_received.GetReceiveMemory(), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (!Received(received))
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            Fail(e);
        }
        return (string.Empty, false);
    }

    /// <summary>Closes the connection and releases the socket. A receive blocked on another thread returns <c>("", false)</c>. Safe to call more than once.</summary>
    public void Shutdown()
    {
        if (Interlocked.Exchange(ref _shutDown, 1) == 1)
        {
            return;
        }
        _failure ??= "the client has been shut down";
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Already reset by the server, or closed after a malformed reply: releasing is all that is left.
        }
        _socket.Dispose();
    }

    /// <summary>Same as <see cref="Shutdown"/>.</summary>
    public void Dispose() => Shutdown();

    /// <summary>Same as <see cref="Shutdown"/>.</summary>
    public ValueTask DisposeAsync()
    {
        Shutdown();
        return ValueTask.CompletedTask;
    }

    internal static void CheckBufferSize(int bufferSize, string name = "bufferSize")
    {
        if (bufferSize < 1 || bufferSize > MaxBufferSize)
        {
            throw new ArgumentOutOfRangeException(name, bufferSize, $"{name} must be 1-{MaxBufferSize} bytes, got {bufferSize}");
        }
    }

    private static async Task<Socket> ValidatedConnectAsync(string host, int port, int bufferSize, int maxPayloadBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        CheckBufferSize(bufferSize);
        _ = new EchoFrameCodec(maxPayloadBytes);
        return await TcpConnector.ConnectAsync(host, port, TransportLimits.Default.ConnectTimeout, cancellationToken).ConfigureAwait(false);
    }

    private bool TryTake(out (string Payload, bool Success) reply)
    {
        var status = _received.TryTake(out var payload, out var error);
        reply = (payload, true);
        if (status == DecodeStatus.Invalid)
        {
            // Framing cannot be recovered after a bad record: nothing later on this connection can be trusted.
            _failure ??= new Protocol.ProtocolViolationException(EchoWire.RecordName, error).Message;
            _socket.Dispose();
        }
        return status == DecodeStatus.Complete;
    }

    /// <summary>Records a receive's bytes; false (and the reason) when the server closed the connection.</summary>
    private bool Received(int count)
    {
        if (count > 0)
        {
            _received.Advance(count);
            return true;
        }
        _failure ??= _received.Buffered == 0
            ? "server closed the connection"
            : $"server closed the connection after {Utf8Text.Bytes(_received.Buffered)} of an incomplete {EchoWire.RecordName}";
        return false;
    }

    private void Fail(Exception e) => _failure ??= e switch
    {
        ObjectDisposedException => "the client has been shut down",
        SocketException { SocketErrorCode: SocketError.ConnectionReset } => "server reset the connection",
        SocketException { SocketErrorCode: SocketError.Shutdown or SocketError.OperationAborted or SocketError.Interrupted } when _shutDown == 1 => "the client has been shut down",
        SocketException s => $"connection lost: {s.Message}",
        _ => e.Message,
    };
}
