using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Switchboard.Transport.Sockets;

/// <summary>
/// One endpoint's listening socket and accept loop: each accepted socket is handed to <see cref="DirectConnections"/>
/// on the thread that completed the accept (with inline completions, the epoll thread), so a short exchange
/// (mailbox: connect, one request, close) is served without crossing threads.
/// </summary>
internal sealed class DirectListener : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly ILogger _log;
    private Task _acceptLoop = Task.CompletedTask;

    private DirectListener(Socket socket, ILogger log)
    {
        _socket = socket;
        _log = log;
        LocalEndPoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Where the socket is bound (the OS's port when 0 was asked for).</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>
    /// Binds and listens (see <see cref="ListeningSocket.Bind"/>).
    /// </summary>
    /// <param name="prepare">Applied to the bound socket before it listens (e.g. <c>SO_LINGER</c> 0, inherited by accepted sockets).</param>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static DirectListener Bind(IPAddress? address, int port, int backlog, Action<Socket>? prepare, ILogger log)
    {
        var socket = ListeningSocket.Bind(address, port, backlog, prepare);
        return new DirectListener(socket, log);
    }

    /// <summary>Starts accepting; each connection runs <paramref name="pipeline"/> through <paramref name="connections"/>.</summary>
    public void Start(DirectConnections connections, ConnectionDelegate pipeline) =>
        _acceptLoop = AcceptLoopAsync(connections, pipeline);

    private async Task AcceptLoopAsync(DirectConnections connections, ConnectionDelegate pipeline)
    {
        // Off the caller's stack: the first accept may complete at once, and the host's start must not run a handler.
        await Task.Yield();
        while (true)
        {
            Socket accepted;
            try
            {
                accepted = await _socket.AcceptAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.OperationAborted or SocketError.Interrupted or SocketError.Shutdown)
            {
                return;
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                // Reset while still in the backlog: not a connection anyone can be served on.
                continue;
            }
            catch (SocketException e)
            {
                // Out of descriptors and the like: say so and keep trying, as Kestrel does; the next accept usually works
                // once connections finish.
                _log.LogWarning("accepting on {Endpoint} failed: {Reason}", LocalEndPoint, e.Message);
                await Task.Delay(TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
                continue;
            }
            connections.Run(accepted, pipeline);
        }
    }

    /// <summary>Closes the listening socket (new connections are refused by the OS) and waits for the accept loop to end.</summary>
    public async ValueTask DisposeAsync()
    {
        _socket.Dispose();
        await _acceptLoop.ConfigureAwait(false);
    }
}
