using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Switchboard.Transport.Sockets;

/// <summary>
/// One accepted socket as a <see cref="ConnectionContext"/> (the pipes a <c>ConnectionHandler</c> reads and writes),
/// with every continuation run inline: socket completion, pipe, handler and send all happen on the thread that saw the
/// socket become ready, and nothing is queued to the thread pool, not even at close.
/// </summary>
/// <remarks>
/// <para>Reading: while the input pipe is empty the loop waits with a zero-byte receive, so an idle connection holds no
/// buffer; once data is known to be there it reads into the pipe's own memory. A read that fills its buffer is followed
/// straight by another read (more is probably waiting) instead of a zero-byte wait.</para>
/// <para>Closing matches Kestrel's socket transport, which the handlers were written against: the handler completing its
/// output sends a FIN (shutdown both ways) and closes the socket; <see cref="Abort"/> does the same at once; the peer's
/// FIN completes the input cleanly, a reset completes it with <see cref="ConnectionResetException"/>.</para>
/// </remarks>
internal sealed class DirectSocketConnection : ConnectionContext, IConnectionSocketFeature
{
    // The smallest piece of pipe memory a read asks for; the pipe's segments are pooled 4 KiB blocks.
    private const int MinReadBuffer = 2048;

    private readonly Socket _socket;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly object _shutdownLock = new();
    private Exception? _shutdownReason;
    private bool _socketDisposed;

    // The socket is closed once both the receive loop has ended and Shutdown has run: closing it under a pending
    // receive would abort that receive, and .NET completes aborted operations on the thread pool (a hand-off per connection).
    private int _closeVotes;
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    private IDictionary<object, object?>? _items;
    private EndPoint? _localEndPoint;

    public DirectSocketConnection(Socket socket, PipeOptions inputOptions, PipeOptions outputOptions, long id)
    {
        _socket = socket;
        _input = new Pipe(inputOptions);
        _output = new Pipe(outputOptions);
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionId = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // The peer's address came with the accept; the local one costs a getsockname, so it waits until asked for.
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosed = _closed.Token;
        Features.Set<IConnectionSocketFeature>(this);
    }

    public override string ConnectionId { get; set; }

    public override IFeatureCollection Features { get; } = new FeatureCollection(4);

    // Nothing here uses Items: made on first use, so a connection does not carry an empty dictionary.
    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    public override IDuplexPipe Transport { get; set; }

    public override EndPoint? LocalEndPoint
    {
        get => _localEndPoint ??= LocalOf(_socket);
        set => _localEndPoint = value;
    }

    public Socket Socket => _socket;

    /// <summary>Starts the receive and send loops; each runs inline until its first incomplete operation.</summary>
    public void Start()
    {
        _receiving = ReceiveLoopAsync();
        _sending = SendLoopAsync();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Shutdown(abortReason);
        // Ends the send loop, and the receive loop through the disposed socket.
        _output.Reader.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        // The handler is done with its ends of the pipes.
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        await _receiving.ConfigureAwait(false);
        _closed.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        // Even a new connection starts with the zero-byte wait: one that never sends must not hold a buffer.
        var likelyMore = false;
        try
        {
            while (true)
            {
                if (!likelyMore)
                {
                    // Nothing buffered for this connection until the kernel has bytes for it.
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None).ConfigureAwait(false);
                }
                var memory = writer.GetMemory(MinReadBuffer);
                var received = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (received == 0)
                {
                    break;
                }
                likelyMore = received == memory.Length;
                writer.Advance(received);
                var flushed = await writer.FlushAsync().ConfigureAwait(false);
                if (flushed.IsCompleted || flushed.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            error = new ConnectionResetException(e.Message, e);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Aborted or reset by us: the reason given there is what the handler sees.
            error = e;
        }
        finally
        {
            CloseWhenDone();
            await writer.CompleteAsync(_shutdownReason ?? error).ConfigureAwait(false);
            CancelConnectionClosed();
        }
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                if (result.IsCanceled)
                {
                    break;
                }
                var buffer = result.Buffer;
                if (!buffer.IsEmpty)
                {
                    await SendAsync(buffer).ConfigureAwait(false);
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.Shutdown)
        {
            error = new ConnectionResetException(e.Message, e);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            error = e;
        }
        finally
        {
            Shutdown(error);
            await reader.CompleteAsync().ConfigureAwait(false);
            // A receive loop paused on a full input pipe must not wait for a reader that is gone.
            _input.Writer.CancelPendingFlush();
        }
    }

    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            var memory = buffer.First;
            while (!memory.IsEmpty)
            {
                var sent = await _socket.SendAsync(memory, SocketFlags.None).ConfigureAwait(false);
                memory = memory[sent..];
            }
            return;
        }
        // Several segments: one gathered send per call instead of a send per segment.
        var segments = new List<ArraySegment<byte>>();
        foreach (var segment in buffer)
        {
            segments.Add(System.Runtime.InteropServices.MemoryMarshal.TryGetArray(segment, out var array) ? array : new ArraySegment<byte>(segment.ToArray()));
        }
        var remaining = buffer.Length;
        while (remaining > 0)
        {
            var sent = await _socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
            remaining -= sent;
            Skip(segments, sent);
        }
    }

    private static void Skip(List<ArraySegment<byte>> segments, int sent)
    {
        while (sent > 0 && segments.Count > 0)
        {
            var first = segments[0];
            if (sent >= first.Count)
            {
                sent -= first.Count;
                segments.RemoveAt(0);
            }
            else
            {
                segments[0] = first.Slice(sent);
                sent = 0;
            }
        }
    }

    /// <summary>
    /// FIN both ways, once; anything still reading or sending fails with <paramref name="reason"/>. The shutdown also
    /// ends a pending receive (it reads end of stream), after which the receive loop closes the socket.
    /// </summary>
    private void Shutdown(Exception? reason)
    {
        lock (_shutdownLock)
        {
            if (_socketDisposed)
            {
                return;
            }
            _socketDisposed = true;
            _shutdownReason = reason ?? new ConnectionAbortedException("the connection was closed by the server");
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // Reset or closed already (ConnectionClose.Reset disposes the socket itself): closing is all that is left.
            }
        }
        CloseWhenDone();
    }

    private static EndPoint? LocalOf(Socket socket)
    {
        try
        {
            return socket.LocalEndPoint;
        }
        catch (ObjectDisposedException)
        {
            return null;
        }
    }

    private void CloseWhenDone()
    {
        if (Interlocked.Increment(ref _closeVotes) == 2)
        {
            _socket.Dispose();
        }
    }

    private void CancelConnectionClosed()
    {
        try
        {
            _closed.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed after the handler finished: no one is listening any more.
        }
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
