using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Check.Core;

/// <summary>
/// A listener on 127.0.0.1 that plays the server for a client under test. Each accepted connection is given to
/// a delegate over the raw connection, so a case can answer with malformed bytes, stall, close early or reset.
/// The connection is closed cleanly when the delegate returns (unless it reset it). Disposing stops listening
/// and cancels delegates still running (a stalled answer ends there).
/// </summary>
public sealed class ScriptedServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<RawConnection, CancellationToken, Task> _onConnection;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<RawConnection> _connections = new();
    private readonly ConcurrentQueue<Exception> _faults = new();
    private readonly List<Task> _handlers = [];
    private readonly Task _acceptLoop;

    private ScriptedServer(Socket listener, Func<RawConnection, CancellationToken, Task> onConnection)
    {
        _listener = listener;
        _onConnection = onConnection;
        _acceptLoop = AcceptLoopAsync();
    }

    public string Host => "127.0.0.1";

    public int Port => ((IPEndPoint)_listener.LocalEndPoint!).Port;

    /// <summary>Connections accepted so far, in order (their <see cref="RawConnection.Seen"/> holds what the client sent).</summary>
    public IReadOnlyList<RawConnection> Connections => [.. _connections];

    /// <summary>Unexpected errors inside the delegates (a case's bug, not the client's).</summary>
    public IReadOnlyCollection<Exception> Faults => _faults;

    /// <summary>Listens on 127.0.0.1:<paramref name="port"/> (0: any free port).</summary>
    /// <exception cref="SocketException">The port is taken.</exception>
    public static ScriptedServer Start(Func<RawConnection, CancellationToken, Task> onConnection, int port = 0)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(16);
        }
        catch
        {
            listener.Dispose();
            throw;
        }
        return new ScriptedServer(listener, onConnection);
    }

    /// <summary>Like <see cref="Start"/>, on a fixed port; null when that port is not free.</summary>
    public static ScriptedServer? TryStartOn(int port, Func<RawConnection, CancellationToken, Task> onConnection)
    {
        try
        {
            return Start(onConnection, port);
        }
        catch (SocketException)
        {
            return null;
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket accepted;
            try
            {
                accepted = await _listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var connection = RawConnection.Over(accepted);
            _connections.Enqueue(connection);
            lock (_handlers)
            {
                _handlers.Add(HandleAsync(connection));
            }
        }
    }

    private async Task HandleAsync(RawConnection connection)
    {
        try
        {
            await _onConnection(connection, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Disposed while the script stalled on purpose.
        }
        catch (Exception e)
        {
            _faults.Enqueue(e);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        Task[] handlers;
        lock (_handlers)
        {
            handlers = [.. _handlers];
        }
        await Task.WhenAll(handlers).ConfigureAwait(false);
        _stop.Dispose();
    }
}
