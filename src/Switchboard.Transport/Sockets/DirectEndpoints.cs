using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Hosting;

namespace Switchboard.Transport.Sockets;

/// <summary>
/// The raw-TCP endpoints of a <see cref="TcpServerHost"/> served by Switchboard's own accept loops instead of
/// Kestrel's (whose dispatcher queues every accepted connection to the thread pool). Each endpoint keeps its
/// <see cref="ListenSpec"/> pipeline, built by the spec's own <c>Configure</c> on a <see cref="ConnectionBuilder"/>.
/// </summary>
internal sealed class DirectEndpoints : IAsyncDisposable
{
    private readonly List<(ListenSpec Spec, DirectListener Listener)> _listeners = [];
    private readonly DirectConnections _connections;
    private readonly ILogger _log;

    public DirectEndpoints(long maxReadBufferSize, ILoggerFactory logs)
    {
        _log = logs.CreateLogger("Switchboard.Transport.Sockets");
        _connections = new DirectConnections(maxReadBufferSize, logs);
    }

    /// <summary>Each endpoint's bound address, in the order bound.</summary>
    public IEnumerable<(ListenSpec Spec, IPEndPoint EndPoint)> Bound => _listeners.Select(l => (l.Spec, l.Listener.LocalEndPoint));

    /// <summary>Connections being served on all these endpoints.</summary>
    public int OpenConnections => _connections.Count;

    /// <summary>Binds <paramref name="spec"/>'s address; throws <see cref="System.Net.Sockets.SocketException"/> when it cannot.</summary>
    public void Bind(ListenSpec spec, int backlog, Action<System.Net.Sockets.Socket>? prepare) =>
        _listeners.Add((spec, DirectListener.Bind(spec.Address, spec.Port, backlog, prepare, _log)));

    /// <summary>Builds each endpoint's pipeline (<paramref name="front"/> first, then the spec's handlers) and starts accepting.</summary>
    public void Start(IServiceProvider services, Func<ListenSpec, Func<ConnectionDelegate, ConnectionDelegate>> front)
    {
        foreach (var (spec, listener) in _listeners)
        {
            var builder = new ConnectionBuilder(services);
            builder.Use(front(spec));
            spec.Configure(builder);
            listener.Start(_connections, builder.Build());
        }
    }

    /// <summary>Stops accepting, asks open connections to finish, and aborts those still open when <paramref name="abortAfter"/> fires.</summary>
    public async Task StopAsync(CancellationToken abortAfter)
    {
        foreach (var (_, listener) in _listeners)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }
        await _connections.StopAsync(abortAfter).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
    }
}
