using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Switchboard.Protocol;
using Switchboard.Protocol.Echo;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Services.Echo;

/// <summary>
/// Handout 001's <c>buffered_server.py</c>: answers each length-prefixed message with the message minus its
/// first ten characters. Binds on construction; <see cref="Start"/> (or <see cref="RunAsync"/>) serves until
/// <see cref="KeepRunning"/> is set to false.
/// </summary>
/// <remarks>
/// <para>Concurrency: unlike the handout's one-client-at-a-time loop, every accepted client is served at once
/// on its own asynchronous session, up to <see cref="EchoServerOptions.MaxConnections"/>; a silent or slow
/// client delays nobody else. Within one connection messages are answered in order.</para>
/// <para>Each receive asks the socket for at most <see cref="BufferSize"/> bytes; longer messages are
/// reassembled, and a message whose payload_length exceeds <see cref="EchoServerOptions.MaxPayloadBytes"/>
/// closes that connection (logged) before anything is allocated for it. Other clients are not disturbed.</para>
/// <para>Stopping: setting <see cref="KeepRunning"/> to false (or cancelling <see cref="RunAsync"/>'s token)
/// stops accepting at once, stops reading messages at once (a message arriving after the stop is not
/// answered), lets replies already being written finish for up to <see cref="EchoServerOptions.StopTimeout"/>,
/// closes every socket including the listening one, and returns.</para>
/// </remarks>
public sealed class BufferedServer : IDisposable, IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly EchoFrameCodec _codec;
    private readonly EchoServerOptions _options;
    private readonly ILogger _logger;
    private readonly SwitchboardMetrics? _metrics;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly ConcurrentDictionary<Socket, Task> _sessions = new();
    private readonly Lock _gate = new();
    private CancellationTokenSource? _run;
    private Task _finished = Task.CompletedTask;
    private volatile bool _keepRunning = true;
    private bool _started;
    private int _active;
    private int _shutDown;

    /// <summary>Creates the listening socket and binds it, as the handout's constructor does.</summary>
    /// <param name="bindAddress">Which local address to accept clients on: <c>""</c> (the handout's <c>''</c>), <c>*</c> or
    /// null for every interface (IPv4 and IPv6 where available), an IP literal, or a host name.</param>
    /// <param name="port">0-65535; 0 lets the OS choose (read it back from <see cref="Port"/>).</param>
    /// <param name="bufferSize">Most bytes asked of the socket per receive, 1 to <see cref="BufferedClient.MaxBufferSize"/>.</param>
    /// <param name="options">Limits; <see cref="EchoServerOptions.Default"/> when null.</param>
    /// <param name="logger">Receives one line per accepted, closed and rejected connection; nothing is logged when null.</param>
    /// <param name="metrics">Counts connections, messages, bytes and rejects under the service name <c>echo</c>.</param>
    /// <exception cref="ServerStartException">The address does not resolve or cannot be bound (e.g. the port is in use).</exception>
    public BufferedServer(string bindAddress, int port, int bufferSize, EchoServerOptions? options = null, ILogger? logger = null, SwitchboardMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, IPEndPoint.MinPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        BufferedClient.CheckBufferSize(bufferSize);
        _options = (options ?? EchoServerOptions.Default).Validated();
        _codec = new EchoFrameCodec(_options.MaxPayloadBytes);
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics;
        BufferSize = bufferSize;
        _listener = EchoListener.Bind(bindAddress, port, _options.Backlog);
        LocalEndPoint = (IPEndPoint)_listener.LocalEndPoint!;
    }

    /// <summary>The address and port actually bound.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The port actually bound (the OS's choice when 0 was asked for).</summary>
    public int Port => LocalEndPoint.Port;

    /// <summary>Most bytes asked of the socket per receive.</summary>
    public int BufferSize { get; }

    /// <summary>Clients being served right now.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>
    /// True from construction. Set it to false to stop a running <see cref="Start"/>/<see cref="RunAsync"/>: it
    /// returns promptly (well within a second) even while waiting for a connection or for data.
    /// Setting it back to true does not restart a server that has stopped.
    /// </summary>
    public bool KeepRunning
    {
        get => _keepRunning;
        set
        {
            _keepRunning = value;
            if (!value)
            {
                CancellationTokenSource? run;
                lock (_gate)
                {
                    run = _run;
                }
                // Cancelled outside the lock: cancellation may run the accept loop's continuation inline.
                Cancel(run);
            }
        }
    }

    /// <summary>
    /// Serves clients until <see cref="KeepRunning"/> is false, then closes every connection and the listening
    /// socket and returns. Blocks the calling thread, like the handout's <c>start()</c>; prefer <see cref="RunAsync"/>
    /// in asynchronous code.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is already running, or has already stopped.</exception>
    /// <exception cref="ObjectDisposedException">The server was shut down.</exception>
    public void Start() =>
        // The one blocking entry point: the handout's start() blocks, and the server itself is asynchronous.
        // RunAsync uses ConfigureAwait(false) throughout, so this cannot deadlock on a synchronization context.
        RunAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>
    /// Serves clients until <see cref="KeepRunning"/> is set to false or <paramref name="cancellationToken"/> fires,
    /// then closes every connection and the listening socket. Completes normally in both cases.
    /// </summary>
    /// <exception cref="InvalidOperationException">The server is already running, or has already stopped.</exception>
    /// <exception cref="ObjectDisposedException">The server was shut down.</exception>
    public async Task RunAsync(CancellationToken cancellationToken = default)
    {
        var run = BeginRun(cancellationToken, out var finished);
        using var stopDeadline = new CancellationTokenSource();
        try
        {
            await AcceptLoopAsync(run.Token, stopDeadline.Token).ConfigureAwait(false);
        }
        finally
        {
            _listener.Dispose();
            stopDeadline.CancelAfter(_options.StopTimeout);
            await Task.WhenAll(_sessions.Values).ConfigureAwait(false);
            lock (_gate)
            {
                _run = null;
            }
            run.Dispose();
            finished.TrySetResult();
        }
    }

    /// <summary>
    /// Releases every socket at once: the listening socket and every client connection. A running
    /// <see cref="Start"/>/<see cref="RunAsync"/> returns. Safe to call more than once.
    /// </summary>
    public void Shutdown()
    {
        if (Interlocked.Exchange(ref _shutDown, 1) == 1)
        {
            return;
        }
        _keepRunning = false;
        Cancel(_shutdown);
        _listener.Dispose();
        foreach (var socket in _sessions.Keys)
        {
            socket.Dispose();
        }
    }

    /// <summary>Same as <see cref="Shutdown"/>.</summary>
    public void Dispose() => Shutdown();

    /// <summary>Shuts down and waits until a running <see cref="RunAsync"/> has finished.</summary>
    public async ValueTask DisposeAsync()
    {
        Shutdown();
        Task finished;
        lock (_gate)
        {
            finished = _finished;
        }
        await finished.ConfigureAwait(false);
    }

    private CancellationTokenSource BeginRun(CancellationToken cancellationToken, out TaskCompletionSource finished)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _shutDown) == 1, this);
            if (_started)
            {
                throw new InvalidOperationException(_run is null
                    ? "this server has stopped; create a new BufferedServer to serve again"
                    : "this server is already running");
            }
            _started = true;
            _run = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _shutdown.Token);
            if (!_keepRunning)
            {
                _run.Cancel();
            }
            finished = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _finished = finished.Task;
            return _run;
        }
    }

    private async Task AcceptLoopAsync(CancellationToken stop, CancellationToken stopDeadline)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptAsync(stop).ConfigureAwait(false);
            }
            catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }
            catch (SocketException e)
            {
                // A client that gave up while queued, or the process out of descriptors: the listener itself is
                // fine. The pause keeps a persistent failure (descriptors exhausted) from spinning a core.
                _logger.LogWarning("accept failed: {Reason}", e.Message);
                _metrics?.Reject(EchoSession.Service, "accept-failed");
                if (!await PauseAsync(TimeSpan.FromMilliseconds(50), stop).ConfigureAwait(false))
                {
                    return;
                }
                continue;
            }
            Admit(client, stop, stopDeadline);
        }
    }

    private void Admit(Socket client, CancellationToken stop, CancellationToken stopDeadline)
    {
        var peer = Describe(client);
        if (Interlocked.Increment(ref _active) > _options.MaxConnections)
        {
            Interlocked.Decrement(ref _active);
            _metrics?.Reject(EchoSession.Service, "server-full");
            _logger.LogWarning("{Peer}: rejected: server full ({Max} connections)", peer, _options.MaxConnections);
            client.Dispose();
            return;
        }
        client.NoDelay = true;
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        // Registered before it runs, so Shutdown and the final wait always see it.
        _sessions[client] = ServeAsync(client, peer, started.Task, stop, stopDeadline);
        started.SetResult();
    }

    private async Task ServeAsync(Socket client, string peer, Task registered, CancellationToken stop, CancellationToken stopDeadline)
    {
        await registered.ConfigureAwait(false);
        _metrics?.ConnectionOpened(EchoSession.Service);
        _logger.LogInformation("accepted {Peer}", peer);
        var session = new EchoSession(client, peer, BufferSize, _codec, _options, _logger, _metrics);
        try
        {
            var clientClosed = await session.RunAsync(stop, stopDeadline).ConfigureAwait(false);
            _logger.LogInformation("{Peer}: closed by {Who} after {Count} messages", peer, clientClosed ? "client" : "server stop", session.Messages);
        }
        catch (SwitchboardException e)
        {
            _metrics?.Reject(EchoSession.Service, e.Reason);
            _logger.LogWarning("{Peer}: rejected: {Reason}", peer, e.Message);
        }
        catch (Exception e) when (stop.IsCancellationRequested && e is OperationCanceledException or ObjectDisposedException or SocketException)
        {
            _logger.LogInformation("{Peer}: closed by server stop after {Count} messages", peer, session.Messages);
        }
        catch (SocketException e)
        {
            _metrics?.Reject(EchoSession.Service, "network");
            _logger.LogWarning("{Peer}: connection lost after {Count} messages: {Reason}", peer, session.Messages, e.Message);
        }
        catch (Exception e)
        {
            // Not an expected failure: a bug. Log it whole and keep serving the others.
            _metrics?.Reject(EchoSession.Service, "internal");
            _logger.LogError(e, "{Peer}: internal error", peer);
        }
        finally
        {
            client.Dispose();
            _sessions.TryRemove(client, out _);
            Interlocked.Decrement(ref _active);
            _metrics?.ConnectionClosed(EchoSession.Service);
        }
    }

    private static void Cancel(CancellationTokenSource? source)
    {
        try
        {
            source?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The run ended (and disposed its source) meanwhile: it is stopped either way.
        }
    }

    /// <summary>Waits without blocking a thread; false when <paramref name="stop"/> fired first.</summary>
    private static async Task<bool> PauseAsync(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static string Describe(Socket client)
    {
        try
        {
            return PeerAddress.Format(client.RemoteEndPoint);
        }
        catch (SocketException)
        {
            return "unknown peer";
        }
    }
}
