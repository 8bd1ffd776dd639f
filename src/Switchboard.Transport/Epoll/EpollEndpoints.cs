using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Hosting;

namespace Switchboard.Transport.Epoll;

/// <summary>
/// The raw-TCP endpoints of a <see cref="TcpServerHost"/> served by Switchboard's own epoll loops instead of .NET's
/// socket engine (<see cref="AcceptPath.Epoll"/>): one level-triggered epoll set per loop thread, one read per
/// readiness event, the handler run inline on the loop. Each endpoint keeps its <see cref="ListenSpec"/> pipeline.
/// </summary>
internal sealed class EpollEndpoints : IAsyncDisposable
{
    /// <summary>Overrides the number of loop threads (default: one per processor).</summary>
    public const string ThreadsVariable = "SWITCHBOARD_EPOLL_THREADS";

    private readonly List<(ListenSpec Spec, EpollListener Listener)> _listeners = [];
    private readonly EpollConnections _connections;
    private readonly ILogger _log;
    private readonly List<EpollLoop> _loops = [];
    // 0 is every loop's wake-up descriptor; listeners and connections share this sequence, so an id is never reused.
    private long _lastId;
    private bool _stopped;

    public EpollEndpoints(long maxReadBufferSize, ILoggerFactory logs)
    {
        _log = logs.CreateLogger("Switchboard.Transport.Epoll");
        _connections = new EpollConnections(maxReadBufferSize, NextId, logs);
    }

    /// <summary>Each endpoint's bound address, in the order bound.</summary>
    public IEnumerable<(ListenSpec Spec, IPEndPoint EndPoint)> Bound => _listeners.Select(l => (l.Spec, l.Listener.LocalEndPoint));

    /// <summary>Connections being served on all these endpoints.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Binds <paramref name="spec"/>'s address; throws <see cref="System.Net.Sockets.SocketException"/> when it cannot.</summary>
    public void Bind(ListenSpec spec, int backlog, Action<System.Net.Sockets.Socket>? prepare) =>
        _listeners.Add((spec, EpollListener.Bind(spec.Address, spec.Port, backlog, prepare, NextId(), _log)));

    /// <summary>Starts the loops, builds each endpoint's pipeline (<paramref name="front"/> first, then the spec's handlers) and starts accepting.</summary>
    public void Start(IServiceProvider services, Func<ListenSpec, Func<ConnectionDelegate, ConnectionDelegate>> front)
    {
        var count = int.TryParse(Environment.GetEnvironmentVariable(ThreadsVariable), out var n) && n > 0 ? n : Environment.ProcessorCount;
        for (var i = 0; i < count; i++)
        {
            var loop = new EpollLoop($"Switchboard epoll {i}", _log);
            _loops.Add(loop);
            loop.Start();
        }
        foreach (var (spec, listener) in _listeners)
        {
            var builder = new ConnectionBuilder(services);
            builder.Use(front(spec));
            spec.Configure(builder);
            listener.Start(_loops, _connections, builder.Build());
        }
    }

    /// <summary>Stops accepting, asks open connections to finish, aborts those still open when <paramref name="abortAfter"/> fires, then ends the loops.</summary>
    public async Task StopAsync(CancellationToken abortAfter)
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        foreach (var (_, listener) in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
        await _connections.StopAsync(abortAfter).ConfigureAwait(false);
        await Task.WhenAll(_loops.Select(l => l.StopAsync())).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
    }

    private long NextId() => Interlocked.Increment(ref _lastId);
}
