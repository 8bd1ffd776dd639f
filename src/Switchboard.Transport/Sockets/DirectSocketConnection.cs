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
internal sealed class DirectSocketConnection : ConnectionContext, IDuplexPipe, IConnectionSocketFeature, IConnectionLifetimeNotificationFeature, IConnectionCompleteFeature
{
    // The smallest piece of pipe memory a read asks for; the pipe's segments are pooled 4 KiB blocks.
    private const int MinReadBuffer = 2048;

    private readonly Socket _socket;
    private readonly Pipe _input;
    private readonly PipeOptions _outputOptions;
    private readonly LazyOutput _lazyOutput;
    private readonly long _id;
    private readonly CancellationTokenSource _closeRequested = new();
    // Made on the first write (LazyOutput): until then there is no output pipe and no send loop.
    private Pipe? _output;
    // The sender's state (SendLoopAsync runs only while there is output to send).
    private const int SenderIdle = 0;
    private const int SenderRunning = 1;
    private const int SenderRunningKicked = 2;
    private const int SenderEnded = 3;
    private int _sender;
    private Exception? _shutdownReason;
    // 1 once Shutdown has run: the first caller shuts the socket down, later ones return (no lock object per connection).
    private int _shutdownStarted;

    // The socket is closed once both the receive loop has ended and Shutdown has run: closing it under a pending
    // receive would abort that receive, and .NET completes aborted operations on the thread pool (a hand-off per connection).
    private int _closeVotes;
    private Task _receiving = Task.CompletedTask;
    private Task _sending = Task.CompletedTask;
    // Nothing in Switchboard reads ConnectionClosed, so its token source is made only when asked for.
    private CancellationTokenSource? _closed;
    private int _inputEnded;
    private IDictionary<object, object?>? _items;
    private string? _connectionId;
    private IDuplexPipe? _transport;
    private EndPoint? _localEndPoint;
    private Func<object, Task>? _onCompleted;
    private object? _onCompletedState;
    private List<(Func<object, Task> Callback, object State)>? _moreOnCompleted;
    private Task? _pipeline;

    private Action<DirectSocketConnection, Task>? _pipelineEnded;

    public DirectSocketConnection(Socket socket, PipeOptions inputOptions, PipeOptions outputOptions, long id)
    {
        _socket = socket;
        _input = new Pipe(inputOptions);
        _outputOptions = outputOptions;
        _lazyOutput = new LazyOutput(this);
        _id = id;
        // The peer's address came with the accept; the local one costs a getsockname, so it waits until asked for.
        RemoteEndPoint = socket.RemoteEndPoint;
        ConnectionClosedRequested = _closeRequested.Token;
        Features = new DirectFeatures(this);
    }

    // Formatted when asked for (logs at debug level, Kestrel's path), not for every idle connection.
    public override string ConnectionId
    {
        get => _connectionId ??= _id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        set => _connectionId = value;
    }

    public override IFeatureCollection Features { get; }

    // Nothing here uses Items: made on first use, so a connection does not carry an empty dictionary.
    public override IDictionary<object, object?> Items
    {
        get => _items ??= new Dictionary<object, object?>();
        set => _items = value;
    }

    // The connection is its own duplex pipe: one object less per connection.
    public override IDuplexPipe Transport
    {
        get => _transport ?? this;
        set => _transport = value;
    }

    PipeReader IDuplexPipe.Input => _input.Reader;

    PipeWriter IDuplexPipe.Output => _lazyOutput;

    public override CancellationToken ConnectionClosed
    {
        get => (Volatile.Read(ref _closed) ?? CreateClosed()).Token;
        set => throw new NotSupportedException("the connection's closed token is its own");
    }

    public override EndPoint? LocalEndPoint
    {
        get => _localEndPoint ??= LocalOf(_socket);
        set => _localEndPoint = value;
    }

    public Socket Socket => _socket;

    /// <summary>Fires when the host asks every connection to finish (graceful shutdown).</summary>
    public CancellationToken ConnectionClosedRequested { get; set; }

    public void RequestClose()
    {
        try
        {
            _closeRequested.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished meanwhile: nothing left to ask.
        }
    }

    public void OnCompleted(Func<object, Task> callback, object state)
    {
        if (_onCompleted is null)
        {
            _onCompleted = callback;
            _onCompletedState = state;
            return;
        }
        (_moreOnCompleted ??= []).Add((callback, state));
    }

    /// <summary>Runs the <see cref="OnCompleted"/> callbacks, last registered first (as Kestrel does).</summary>
    public async Task FireOnCompletedAsync()
    {
        if (_moreOnCompleted is { } more)
        {
            for (var i = more.Count - 1; i >= 0; i--)
            {
                await more[i].Callback(more[i].State).ConfigureAwait(false);
            }
        }
        if (_onCompleted is { } first)
        {
            await first(_onCompletedState!).ConfigureAwait(false);
        }
    }

    /// <summary>Links of <see cref="LiveConnections"/>: the host's list of open connections runs through the connections themselves.</summary>
    internal DirectSocketConnection? Previous { get; set; }

    /// <summary>See <see cref="Previous"/>.</summary>
    internal DirectSocketConnection? Next { get; set; }

    /// <summary>The host's number for this connection (<see cref="ConnectionId"/> as a number).</summary>
    public long Id => _id;

    /// <summary>
    /// Calls <paramref name="ended"/> once <paramref name="pipeline"/> (the handler running on this connection) has
    /// completed. One delegate per connection instead of an async method's state machine box (168 bytes) for as long
    /// as the connection is open.
    /// </summary>
    public void WhenPipelineEnds(Task pipeline, Action<DirectSocketConnection, Task> ended)
    {
        _pipeline = pipeline;
        _pipelineEnded = ended;
        pipeline.ConfigureAwait(false).GetAwaiter().UnsafeOnCompleted(PipelineEnded);
    }

    private void PipelineEnded() => _pipelineEnded!(this, _pipeline!);

    /// <summary>Starts the receive loop; it runs inline until its first incomplete operation. The send loop starts with the first write.</summary>
    public void Start()
    {
        _receiving = ReceiveLoopAsync();
    }

    /// <summary>The output pipe's writer, made (with its send loop) on first use.</summary>
    internal PipeWriter OutputWriter()
    {
        if (_output is { } output)
        {
            return output.Writer;
        }
        // The handler writes one call at a time, but a flush may be cancelled from another thread (OutgoingQueue):
        // whoever comes first makes the pipe. The sender starts with the first flush (KickSender).
        output = new Pipe(_outputOptions);
        if (Interlocked.CompareExchange(ref _output, output, null) is { } existing)
        {
            return existing.Writer;
        }
        return output.Writer;
    }

    internal PipeWriter? OutputIfStarted() => _output?.Writer;

    /// <summary>The handler's output is complete: with no pipe yet, what the send loop would do at once.</summary>
    internal void CompleteOutput(Exception? exception)
    {
        if (_output is null && exception is null)
        {
            // Nothing was ever written: the send loop would read "completed" at once and shut the connection down.
            Shutdown(null);
            _input.Writer.CancelPendingFlush();
            return;
        }
        OutputWriter().Complete(exception);
        KickSender();
    }

    public override void Abort(ConnectionAbortedException abortReason)
    {
        Shutdown(abortReason);
        // Ends the send loop, and the receive loop through the disposed socket.
        if (_output is { } output)
        {
            output.Reader.CancelPendingRead();
            KickSender();
        }
        else
        {
            // No send loop to end: what its end would do.
            _input.Writer.CancelPendingFlush();
        }
    }

    public override async ValueTask DisposeAsync()
    {
        // The handler is done with its ends of the pipes.
        await _input.Reader.CompleteAsync().ConfigureAwait(false);
        CompleteOutput(null);
        await _sending.ConfigureAwait(false);
        await _receiving.ConfigureAwait(false);
        _closed?.Dispose();
        _closeRequested.Dispose();
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
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            error = AsConnectionError(e);
        }
        finally
        {
            CloseWhenDone();
            await writer.CompleteAsync(_shutdownReason ?? error).ConfigureAwait(false);
            CancelConnectionClosed();
        }
    }

    // A reset by the peer is what Kestrel's own transport reports as ConnectionResetException, so handlers see one type;
    // anything else (aborted or disposed by us) keeps the reason given there.
    private static Exception AsConnectionError(Exception e) =>
        e is SocketException { SocketErrorCode: SocketError.ConnectionReset or SocketError.Shutdown } reset
            ? new ConnectionResetException(reset.Message, reset)
            : e;

    /// <summary>
    /// Runs the sender unless it is running already (then it looks again before it stops). Called after every flush
    /// and completion of the output, and by <see cref="Abort"/>.
    /// </summary>
    internal void KickSender()
    {
        if (_output is not { } output)
        {
            return;
        }
        while (true)
        {
            switch (Volatile.Read(ref _sender))
            {
                case SenderIdle:
                    if (Interlocked.CompareExchange(ref _sender, SenderRunning, SenderIdle) == SenderIdle)
                    {
                        _sending = SendLoopAsync(output.Reader);
                        return;
                    }
                    break;
                case SenderRunning:
                    if (Interlocked.CompareExchange(ref _sender, SenderRunningKicked, SenderRunning) == SenderRunning)
                    {
                        return;
                    }
                    break;
                default:
                    // Kicked already, or ended.
                    return;
            }
        }
    }

    /// <summary>
    /// Sends what the output pipe holds, then stops: the sender runs only while there is something to send, so an idle
    /// connection keeps no suspended send loop (its state machine box was 240 bytes).
    /// </summary>
    private async Task SendLoopAsync(PipeReader reader)
    {
        Exception? error = null;
        var idle = false;
        try
        {
            while (true)
            {
                if (!reader.TryRead(out var result))
                {
                    // Nothing to send: stop, unless a flush came meanwhile (it found the sender running and said so).
                    // Once idle, the next flush may start another sender at once: this one touches nothing more.
                    if (Interlocked.CompareExchange(ref _sender, SenderIdle, SenderRunning) == SenderRunning)
                    {
                        idle = true;
                        return;
                    }
                    Volatile.Write(ref _sender, SenderRunning);
                    continue;
                }
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
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            error = AsConnectionError(e);
        }
        finally
        {
            if (!idle)
            {
                Volatile.Write(ref _sender, SenderEnded);
                Shutdown(error);
                await reader.CompleteAsync().ConfigureAwait(false);
                // A receive loop paused on a full input pipe must not wait for a reader that is gone.
                _input.Writer.CancelPendingFlush();
            }
        }
    }

    private async ValueTask SendAsync(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsSingleSegment)
        {
            var memory = buffer.First;
            memory = memory[SentNow(_socket.Send(memory.Span, SocketFlags.None, out var error), error)..];
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
        var now = SentNow(_socket.Send(segments, SocketFlags.None, out var gatherError), gatherError);
        var remaining = buffer.Length - now;
        Skip(segments, now);
        while (remaining > 0)
        {
            var sent = await _socket.SendAsync(segments, SocketFlags.None).ConfigureAwait(false);
            remaining -= sent;
            Skip(segments, sent);
        }
    }

    /// <summary>
    /// What a non-blocking send did: bytes taken by the kernel, 0 when its buffer is full (the rest then waits for
    /// writability through SendAsync). Trying first means a send that fits, which is nearly every one, makes no
    /// SocketAsyncEventArgs: .NET keeps the one it makes for the socket's first async send (about 360 bytes with its
    /// callbacks) for as long as the connection lives.
    /// </summary>
    private static int SentNow(int sent, SocketError error) => error switch
    {
        SocketError.Success => sent,
        SocketError.WouldBlock => 0,
        _ => throw new SocketException((int)error),
    };

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
        if (Interlocked.Exchange(ref _shutdownStarted, 1) != 0)
        {
            return;
        }
        _shutdownReason = reason ?? new ConnectionAbortedException("the connection was closed by the server");
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset or closed already (ConnectionClose.Reset disposes the socket itself): closing is all that is left.
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

    private CancellationTokenSource CreateClosed()
    {
        var made = new CancellationTokenSource();
        if (Interlocked.CompareExchange(ref _closed, made, null) is { } existing)
        {
            made.Dispose();
            return existing;
        }
        // The receive loop may have ended before anyone asked: the token must then be cancelled already.
        if (Volatile.Read(ref _inputEnded) != 0)
        {
            CancelConnectionClosed();
        }
        return made;
    }

    private void CancelConnectionClosed()
    {
        Interlocked.Exchange(ref _inputEnded, 1);
        try
        {
            Volatile.Read(ref _closed)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Disposed after the handler finished: no one is listening any more.
        }
    }
}
