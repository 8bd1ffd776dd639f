using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.AspNetCore.Http.Features;

namespace Switchboard.Transport.Epoll;

/// <summary>
/// One accepted socket served by an <see cref="EpollLoop"/>, as the <see cref="ConnectionContext"/> a
/// <c>ConnectionHandler</c> reads and writes: the same contract as the socket-engine connection
/// (<c>DirectSocketConnection</c>), with one read per readiness event instead of a read until EAGAIN.
/// </summary>
/// <remarks>
/// <para>Reading happens only on the loop's thread: when epoll says the socket is readable, one <c>recv</c> into the
/// input pipe's memory, then a flush that runs the handler inline. An idle connection holds no buffer (nothing is
/// read before readiness). A full input pipe takes the socket out of the read set until the handler catches up.</para>
/// <para>Writing happens on whatever thread flushed the output pipe: <c>send</c> at once, and only when the socket's
/// buffer is full does the connection ask epoll for <c>EPOLLOUT</c> and wait.</para>
/// <para>Closing matches Kestrel's socket transport: the handler completing its output sends a FIN (shutdown both
/// ways); <see cref="Abort"/> does the same at once; the peer's FIN completes the input cleanly, a reset completes it
/// with <see cref="ConnectionResetException"/>. The descriptor is closed on the loop's thread once the loop has
/// forgotten it and both the receive side has ended and the shutdown has run.</para>
/// </remarks>
internal sealed class EpollConnection : ConnectionContext, IConnectionSocketFeature, IEpollHandler
{
    // The smallest piece of pipe memory a read asks for; the pipe's segments are pooled 4 KiB blocks.
    private const int MinReadBuffer = 2048;

    private readonly Socket _socket;
    private readonly SafeSocketHandle _handle;
    private readonly EpollLoop _loop;
    private readonly long _id;
    private readonly Pipe _input;
    private readonly Pipe _output;
    private readonly CancellationTokenSource _closed = new();
    private readonly TaskCompletionSource _received = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _lock = new();
    private Task _sending = Task.CompletedTask;
    private IDictionary<object, object?>? _items;
    private EndPoint? _localEndPoint;

    // Under _lock: what epoll is asked for, and whether the socket is in the epoll set at all (it leaves it when it
    // wants nothing, because a level-triggered hang-up would otherwise be reported again on every wait).
    private bool _reading = true;
    private bool _wantWrite;
    private bool _registered;
    private bool _forgotten;
    private TaskCompletionSource? _writable;
    private bool _shutdown;
    private Exception? _shutdownReason;

    // Loop thread only.
    private bool _receiveDone;
    private bool _paused;

    private int _closeVotes;

    public EpollConnection(Socket socket, EndPoint? peer, EpollLoop loop, long id, PipeOptions inputOptions, PipeOptions outputOptions)
    {
        _socket = socket;
        _handle = socket.SafeHandle;
        _loop = loop;
        _id = id;
        _input = new Pipe(inputOptions);
        _output = new Pipe(outputOptions);
        Transport = new DuplexPipe(_input.Reader, _output.Writer);
        ConnectionId = id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        // From accept4: asking the socket would cost a getpeername, which fails once the peer has reset.
        RemoteEndPoint = peer;
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

    /// <summary>Loop thread: enters the epoll set and starts the send loop (which waits for the handler's first flush).</summary>
    public void Start()
    {
        _loop.Add(_id, this);
        lock (_lock)
        {
            UpdateInterest();
        }
        _sending = SendLoopAsync();
    }

    public void OnEvents(EpollLoop loop, uint events)
    {
        if ((events & (EpollNative.EpollOut | EpollNative.EpollErr | EpollNative.EpollHup)) != 0)
        {
            ReleaseWriter();
        }
        if ((events & (EpollNative.EpollIn | EpollNative.EpollErr | EpollNative.EpollHup)) != 0 && !_receiveDone && !_paused)
        {
            Receive();
        }
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Shutdown(abortReason);
        // Ends the send loop; the shutdown ends the receive side (it reads end of stream).
        _output.Reader.CancelPendingRead();
    }

    public override async ValueTask DisposeAsync()
    {
        // The handler is done with its ends of the pipes.
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        await _output.Writer.CompleteAsync().ConfigureAwait(false);
        await _sending.ConfigureAwait(false);
        await _received.Task.ConfigureAwait(false);
        _closed.Dispose();
    }

    private void Receive()
    {
        var writer = _input.Writer;
        var memory = writer.GetMemory(MinReadBuffer);
        int received;
        try
        {
            received = EpollNative.Receive(_handle, memory.Span);
        }
        catch (ObjectDisposedException e)
        {
            // Reset and disposed by the handler (ConnectionClose.Reset).
            EndReceive(e);
            return;
        }
        if (received > 0)
        {
            writer.Advance(received);
            var flush = writer.FlushAsync();
            if (!flush.IsCompletedSuccessfully)
            {
                PauseUntil(flush);
            }
            else if (flush.GetAwaiter().GetResult() is { IsCompleted: true } or { IsCanceled: true })
            {
                // Completed already (checked above): reading its outcome does not wait.
                EndReceive(null);
            }
            return;
        }
        if (received == 0)
        {
            EndReceive(null);
            return;
        }
        var errno = Marshal.GetLastPInvokeError();
        if (errno is EpollNative.EAgain or EpollNative.EIntr)
        {
            return;
        }
        EndReceive(ErrorOf(errno));
    }

    // The handler has not caught up: stop reading (level-triggered epoll would report the socket again and again)
    // until the flush completes, then resume on the loop's thread.
    private void PauseUntil(ValueTask<FlushResult> flush)
    {
        _paused = true;
        lock (_lock)
        {
            _reading = false;
            UpdateInterest();
        }
        _ = ResumeAfterAsync(flush);
    }

    private async Task ResumeAfterAsync(ValueTask<FlushResult> flush)
    {
        var end = true;
        try
        {
            var result = await flush.ConfigureAwait(false);
            end = result.IsCompleted || result.IsCanceled;
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            // The pipe was completed under the flush: the receive side is over.
        }
        _loop.Post(() => Resume(end));
    }

    private void Resume(bool end)
    {
        _paused = false;
        if (end)
        {
            EndReceive(null);
            return;
        }
        lock (_lock)
        {
            _reading = true;
            UpdateInterest();
        }
    }

    private void EndReceive(Exception? error)
    {
        if (_receiveDone)
        {
            return;
        }
        _receiveDone = true;
        lock (_lock)
        {
            _reading = false;
            UpdateInterest();
        }
        Exception? reason;
        lock (_lock)
        {
            reason = _shutdownReason;
        }
        _input.Writer.Complete(reason ?? error);
        CancelConnectionClosed();
        // Voted before the receive side reports itself done: the host stops the loops once every connection is done,
        // and the close must be queued on the loop before that.
        CloseWhenDone();
        _received.TrySetResult();
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
                foreach (var segment in buffer)
                {
                    var unsent = SendNow(segment);
                    if (!unsent.IsEmpty)
                    {
                        await SendWhenWritableAsync(unsent).ConfigureAwait(false);
                    }
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or ConnectionResetException)
        {
            error = e;
        }
        finally
        {
            Shutdown(error);
            await reader.CompleteAsync().ConfigureAwait(false);
            // A receive side paused on a full input pipe must not wait for a reader that is gone.
            _input.Writer.CancelPendingFlush();
        }
    }

    /// <summary>Sends what the socket takes now; returns the rest (empty when all went).</summary>
    private ReadOnlyMemory<byte> SendNow(ReadOnlyMemory<byte> memory)
    {
        while (!memory.IsEmpty)
        {
            var sent = EpollNative.Send(_handle, memory.Span);
            if (sent >= 0)
            {
                memory = memory[sent..];
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EpollNative.EIntr)
            {
                continue;
            }
            if (errno == EpollNative.EAgain)
            {
                return memory;
            }
            throw ErrorOf(errno);
        }
        return memory;
    }

    private async Task SendWhenWritableAsync(ReadOnlyMemory<byte> memory)
    {
        while (!memory.IsEmpty)
        {
            await WritableAsync().ConfigureAwait(false);
            memory = SendNow(memory);
        }
    }

    private Task WritableAsync()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_forgotten, _socket);
            // Continuations run inline on the loop's thread when EPOLLOUT comes: the retry happens there.
            _writable = new TaskCompletionSource();
            _wantWrite = true;
            UpdateInterest();
            return _writable.Task;
        }
    }

    private void ReleaseWriter()
    {
        TaskCompletionSource? writable;
        lock (_lock)
        {
            writable = _writable;
            _writable = null;
            if (_wantWrite)
            {
                _wantWrite = false;
                UpdateInterest();
            }
        }
        writable?.TrySetResult();
    }

    /// <summary>Under _lock: tells epoll what the connection waits for now.</summary>
    private void UpdateInterest()
    {
        if (_forgotten)
        {
            return;
        }
        var events = (_reading ? EpollNative.EpollIn : 0) | (_wantWrite ? EpollNative.EpollOut : 0);
        var op = events == 0
            ? (_registered ? EpollNative.EpollCtlDel : 0)
            : (_registered ? EpollNative.EpollCtlMod : EpollNative.EpollCtlAdd);
        if (op == 0)
        {
            return;
        }
        try
        {
            if (EpollNative.Control(_loop.Descriptor, op, _handle, events, _id) == 0)
            {
                _registered = events != 0;
            }
        }
        catch (ObjectDisposedException)
        {
            // Disposed by ConnectionClose.Reset: closing the descriptor took it out of the epoll set already.
            _registered = false;
        }
    }

    /// <summary>
    /// FIN both ways, once; anything still reading or sending fails with <paramref name="reason"/>. The shutdown also
    /// makes the socket readable (end of stream), which ends the receive side.
    /// </summary>
    private void Shutdown(Exception? reason)
    {
        lock (_lock)
        {
            if (_shutdown)
            {
                return;
            }
            _shutdown = true;
            _shutdownReason = reason ?? new ConnectionAbortedException("the connection was closed by the server");
        }
        try
        {
            EpollNative.Shutdown(_handle);
        }
        catch (ObjectDisposedException)
        {
            // Disposed by ConnectionClose.Reset: epoll forgot the socket, so no end of stream will be reported either.
            _loop.Post(() =>
            {
                if (!_paused)
                {
                    EndReceive(null);
                }
            });
        }
        CloseWhenDone();
    }

    private void CloseWhenDone()
    {
        if (Interlocked.Increment(ref _closeVotes) != 2)
        {
            return;
        }
        if (_loop.OnLoopThread)
        {
            Forget();
        }
        else
        {
            _loop.Post(Forget);
        }
    }

    // Loop thread: after this no event reaches the connection, so the descriptor can be closed without a later event or
    // epoll_ctl touching a socket that reused its number.
    private void Forget()
    {
        TaskCompletionSource? writable;
        lock (_lock)
        {
            _reading = false;
            _wantWrite = false;
            UpdateInterest();
            _forgotten = true;
            writable = _writable;
            _writable = null;
        }
        _loop.Remove(_id);
        _socket.Dispose();
        // A send waiting for room now fails on the disposed socket.
        writable?.TrySetResult();
    }

    // A reset by the peer is what Kestrel's own transport reports as ConnectionResetException, so handlers see one type.
    private static Exception ErrorOf(int errno)
    {
        var error = errno switch
        {
            EpollNative.EConnReset => SocketError.ConnectionReset,
            EpollNative.EPipe => SocketError.Shutdown,
            EpollNative.EConnAborted => SocketError.ConnectionAborted,
            110 => SocketError.TimedOut,
            113 => SocketError.HostUnreachable,
            101 => SocketError.NetworkUnreachable,
            _ => SocketError.SocketError,
        };
        var exception = new SocketException((int)error);
        return error is SocketError.ConnectionReset or SocketError.Shutdown
            ? new ConnectionResetException(exception.Message, exception)
            : exception;
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
