using System.Buffers;
using System.Collections.Concurrent;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;

namespace Switchboard.Transport.Epoll;

/// <summary>
/// Runs accepted descriptors through their endpoint's connection pipeline as <see cref="EpollConnection"/>s, and shuts
/// them down the way Kestrel does: ask every connection to close, wait up to the shutdown timeout, then abort the rest.
/// </summary>
internal sealed class EpollConnections
{
    // Kestrel's outgoing default: a handler's flush waits once 64 KiB are unsent.
    private const int MaxWriteBufferSize = 64 * 1024;

    private readonly PipeOptions _inputOptions;
    private readonly PipeOptions _outputOptions;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<long, ConnectionLifetime> _live = new();
    private readonly Func<long> _nextId;

    public EpollConnections(long maxReadBufferSize, Func<long> nextId, ILoggerFactory logs)
    {
        _log = logs.CreateLogger("Switchboard.Transport.Epoll");
        _nextId = nextId;
        _inputOptions = new PipeOptions(MemoryPool<byte>.Shared, PipeScheduler.Inline, PipeScheduler.Inline,
            maxReadBufferSize, maxReadBufferSize / 2, useSynchronizationContext: false);
        _outputOptions = new PipeOptions(MemoryPool<byte>.Shared, PipeScheduler.Inline, PipeScheduler.Inline,
            MaxWriteBufferSize, MaxWriteBufferSize / 2, useSynchronizationContext: false);
    }

    /// <summary>Connections whose pipeline has not finished yet.</summary>
    public int Count => _live.Count;

    /// <summary>Loop thread: serves descriptor <paramref name="fd"/> on <paramref name="loop"/>; returns at the pipeline's first incomplete await.</summary>
    public void Run(int fd, IPEndPoint? peer, EpollLoop loop, ConnectionDelegate pipeline)
    {
        var id = _nextId();
        var handle = new SafeSocketHandle(fd, ownsHandle: true);
        EpollConnection connection;
        try
        {
            var socket = new Socket(handle);
            socket.NoDelay = true;
            connection = new EpollConnection(socket, peer, loop, id, _inputOptions, _outputOptions);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Reset before we got to it: nothing to serve, nothing to log above debug.
            _log.LogDebug("accepted connection gone before it started: {Reason}", e.Message);
            handle.Dispose();
            return;
        }
        var lifetime = new ConnectionLifetime(connection);
        connection.Features.Set<IConnectionLifetimeNotificationFeature>(lifetime);
        _live[id] = lifetime;
        connection.Start();
        _ = RunAsync(id, lifetime, pipeline);
    }

    private async Task RunAsync(long id, ConnectionLifetime lifetime, ConnectionDelegate pipeline)
    {
        var connection = lifetime.Connection;
        try
        {
            await pipeline(connection).ConfigureAwait(false);
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
            _live.TryRemove(id, out _);
            lifetime.Finished();
            lifetime.Dispose();
        }
    }

    /// <summary>
    /// Asks every connection to finish, waits until they have or <paramref name="abortAfter"/> fires, then aborts
    /// the rest and waits for them. Call once accepting has stopped.
    /// </summary>
    public async Task StopAsync(CancellationToken abortAfter)
    {
        var open = _live.Values.ToArray();
        foreach (var connection in open)
        {
            connection.RequestClose();
        }
        var all = Task.WhenAll(open.Select(c => c.Done));
        try
        {
            await all.WaitAsync(abortAfter).ConfigureAwait(false);
            return;
        }
        catch (OperationCanceledException)
        {
            // The shutdown timeout ended: what is still open is closed under it.
        }
        foreach (var connection in open)
        {
            connection.Connection.Abort(new ConnectionAbortedException("the server is shutting down and the shutdown timeout has ended"));
        }
        await all.ConfigureAwait(false);
    }
}
