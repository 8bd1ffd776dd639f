using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Sockets;

namespace Switchboard.Transport.Epoll;

/// <summary>
/// One endpoint's listening socket, in every loop's epoll set with <c>EPOLLEXCLUSIVE</c> (one loop is woken per
/// pending connection): the loop that accepts a connection serves it, and its handler starts right there, with no
/// hand-off between threads.
/// </summary>
internal sealed class EpollListener : IEpollHandler
{
    // Accepts per readiness event, so one busy listener cannot starve the loop's connections.
    private const int AcceptBatch = 16;

    private readonly Socket _socket;
    private readonly long _id;
    private readonly ILogger _log;
    private EpollConnections? _connections;
    private ConnectionDelegate? _pipeline;
    private IReadOnlyList<EpollLoop> _loops = [];

    private EpollListener(Socket socket, long id, ILogger log)
    {
        _socket = socket;
        _id = id;
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
    public static EpollListener Bind(IPAddress? address, int port, int backlog, Action<Socket>? prepare, long id, ILogger log)
    {
        var socket = ListeningSocket.Bind(address, port, backlog, prepare);
        // accept4 on a readiness event must never block the loop.
        socket.Blocking = false;
        return new EpollListener(socket, id, log);
    }

    /// <summary>Joins every loop's epoll set; connections accepted run <paramref name="pipeline"/>.</summary>
    public void Start(IReadOnlyList<EpollLoop> loops, EpollConnections connections, ConnectionDelegate pipeline)
    {
        _connections = connections;
        _pipeline = pipeline;
        _loops = loops;
        foreach (var loop in loops)
        {
            loop.Post(() => Join(loop));
        }
    }

    public void OnEvents(EpollLoop loop, uint events)
    {
        for (var i = 0; i < AcceptBatch; i++)
        {
            int fd;
            IPEndPoint? peer;
            try
            {
                fd = EpollNative.Accept(_socket.SafeHandle, out peer);
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            if (fd >= 0)
            {
                _connections!.Run(fd, peer, loop, _pipeline!);
                continue;
            }
            var errno = Marshal.GetLastPInvokeError();
            if (errno == EpollNative.EAgain)
            {
                return;
            }
            if (errno is EpollNative.EIntr or EpollNative.EConnAborted)
            {
                // Reset while still in the backlog: not a connection anyone can be served on.
                continue;
            }
            // Out of descriptors and the like: say so, and stop listening on this loop for a moment (level-triggered
            // epoll would report the pending connection again at once); the next accept usually works once
            // connections finish.
            _log.LogWarning("accepting on {Endpoint} failed: {Reason}", LocalEndPoint, Marshal.GetPInvokeErrorMessage(errno));
            Leave(loop);
            _ = RejoinLaterAsync(loop);
            return;
        }
    }

    /// <summary>Leaves every loop's epoll set, then closes the listening socket (new connections are refused by the OS).</summary>
    public async ValueTask DisposeAsync()
    {
        var left = _loops.Select(loop =>
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            loop.Post(() =>
            {
                Leave(loop);
                done.TrySetResult();
            });
            return done.Task;
        }).ToList();
        await Task.WhenAll(left).ConfigureAwait(false);
        _socket.Dispose();
    }

    private void Join(EpollLoop loop)
    {
        loop.Add(_id, this);
        try
        {
            if (EpollNative.Control(loop.Descriptor, EpollNative.EpollCtlAdd, _socket.SafeHandle, EpollNative.EpollIn | EpollNative.EpollExclusive, _id) < 0)
            {
                _log.LogError("cannot watch {Endpoint} for connections: {Reason}", LocalEndPoint, Marshal.GetLastPInvokeErrorMessage());
            }
        }
        catch (ObjectDisposedException)
        {
            // Stopped before it started.
        }
    }

    private void Leave(EpollLoop loop)
    {
        loop.Remove(_id);
        try
        {
            EpollNative.Control(loop.Descriptor, EpollNative.EpollCtlDel, _socket.SafeHandle, 0, _id);
        }
        catch (ObjectDisposedException)
        {
            // Closed already, which took it out of the set.
        }
    }

    private async Task RejoinLaterAsync(EpollLoop loop)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(10)).ConfigureAwait(false);
        loop.Post(() => Join(loop));
    }
}
