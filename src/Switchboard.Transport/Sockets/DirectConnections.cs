using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Switchboard.Transport.Sockets;

/// <summary>
/// Runs accepted sockets through their endpoint's connection pipeline (the same <see cref="ConnectionDelegate"/>
/// Kestrel would run, so <c>ConnectionHandler</c>s do not change) and shuts them down the way Kestrel does:
/// ask every connection to close, wait up to the shutdown timeout, then abort the rest.
/// </summary>
/// <remarks>
/// The pipeline starts on the thread that completed the accept and runs until its first incomplete await: no
/// queue, no thread hand-off. Connections are <see cref="DirectSocketConnection"/>s with inline pipe scheduling, so a
/// handler's continuation runs where the socket completion ran, and closing one queues nothing either.
/// </remarks>
internal sealed class DirectConnections
{
    // Kestrel's outgoing default: a handler's flush waits once 64 KiB are unsent.
    private const int MaxWriteBufferSize = 64 * 1024;

    private readonly PipeOptions _inputOptions;
    private readonly PipeOptions _outputOptions;
    private readonly ILogger _log;
    private readonly LiveConnections _live = new();
    private long _nextId;
    // Made by StopAsync; completed once the last connection has finished (one completion for the host, not one per connection).
    private TaskCompletionSource? _drained;
    private readonly Action<DirectSocketConnection, Task> _pipelineEnded;

    public DirectConnections(long maxReadBufferSize, ILoggerFactory logs)
    {
        _log = logs.CreateLogger("Switchboard.Transport.Sockets");
        _pipelineEnded = (connection, running) => _ = FinishAsync(connection, running);
        _inputOptions = new PipeOptions(MemoryPool<byte>.Shared, PipeScheduler.Inline, PipeScheduler.Inline,
            maxReadBufferSize, maxReadBufferSize / 2, useSynchronizationContext: false);
        _outputOptions = new PipeOptions(MemoryPool<byte>.Shared, PipeScheduler.Inline, PipeScheduler.Inline,
            MaxWriteBufferSize, MaxWriteBufferSize / 2, useSynchronizationContext: false);
    }

    /// <summary>Connections whose pipeline has not finished yet.</summary>
    public int Count => _live.Count;

    /// <summary>Starts <paramref name="pipeline"/> on <paramref name="socket"/>; returns at the pipeline's first incomplete await.</summary>
    public void Run(Socket socket, ConnectionDelegate pipeline)
    {
        var id = Interlocked.Increment(ref _nextId);
        DirectSocketConnection connection;
        try
        {
            socket.NoDelay = true;
            // Sends are tried at once and only wait (asynchronously) when the kernel's buffer is full; a blocking
            // socket's synchronous send would block the thread instead of saying so.
            socket.Blocking = false;
            connection = new DirectSocketConnection(socket, _inputOptions, _outputOptions, id);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset before we got to it: nothing to serve, nothing to log above debug.
            _log.LogDebug("accepted connection gone before it started: {Reason}", e.Message);
            socket.Dispose();
            return;
        }
        _live.Add(connection);
        connection.Start();
        Task running;
        try
        {
            running = pipeline(connection);
        }
        catch (Exception e)
        {
            running = Task.FromException(e);
        }
        if (running.IsCompleted)
        {
            _ = FinishAsync(connection, running);
            return;
        }
        // Not an async method awaiting the pipeline: its state machine box (168 bytes) would stay with every idle
        // connection; a continuation is one delegate.
        connection.WhenPipelineEnds(running, _pipelineEnded);
    }

    private async Task FinishAsync(DirectSocketConnection connection, Task running)
    {
        try
        {
            await running.ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // Handlers log their own failures; reaching here is a bug in a pipeline, and the host keeps serving.
            _log.LogError(e, "connection pipeline failed");
        }
        finally
        {
            try
            {
                await connection.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _log.LogDebug(e, "disposing a connection failed");
            }
            try
            {
                await connection.FireOnCompletedAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _log.LogError(e, "a connection's completion callback failed");
            }
            var left = _live.Remove(connection);
            if (Volatile.Read(ref _drained) is { } drained && left == 0)
            {
                drained.TrySetResult();
            }
        }
    }

    /// <summary>
    /// Asks every connection to finish, waits until they have or <paramref name="abortAfter"/> fires, then aborts
    /// the rest and waits for them. Call once accepting has stopped.
    /// </summary>
    public async Task StopAsync(CancellationToken abortAfter)
    {
        Interlocked.CompareExchange(ref _drained, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously), null);
        var drained = _drained!;
        if (_live.Count == 0)
        {
            drained.TrySetResult();
        }
        foreach (var connection in _live.Snapshot())
        {
            connection.RequestClose();
        }
        try
        {
            await drained.Task.WaitAsync(abortAfter).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ended: what is still open is closed under it.
        }
        foreach (var connection in _live.Snapshot())
        {
            connection.Abort(new ConnectionAbortedException("the server is shutting down and the shutdown timeout has ended"));
        }
        await drained.Task.ConfigureAwait(false);
    }
}
