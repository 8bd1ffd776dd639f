using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Services.Echo;

/// <summary>
/// Handout 001's <c>buffered_server.py</c>: answers each length-prefixed message with the message minus its
/// first ten characters. A thin facade: the constructor starts a <see cref="TcpServerHost"/> with the echo
/// endpoint (<see cref="EchoConnectionHandler"/>), <see cref="Start"/> (or <see cref="RunAsync"/>) serves until
/// <see cref="KeepRunning"/> is set to false.
/// </summary>
/// <remarks>
/// <para>Concurrency: unlike the handout's one-client-at-a-time loop, every accepted client is served at once,
/// up to <see cref="EchoServerOptions.MaxConnections"/>; a silent or slow client delays nobody else. Within one
/// connection messages are answered in order.</para>
/// <para>Binding: the constructor binds and listens. Clients that connect before <see cref="Start"/> wait, unread,
/// as they would in the handout's listen backlog, and are served once it runs.</para>
/// <para><see cref="BufferSize"/> is the handout's <c>recv()</c> size: validated and kept for the API, not a
/// property of the exchange (the server reads through Kestrel's pipe; messages of any length are reassembled).</para>
/// <para>Stopping: setting <see cref="KeepRunning"/> to false (or cancelling <see cref="RunAsync"/>'s token)
/// stops accepting at once, stops reading messages at once (a message arriving after the stop is not
/// answered), lets replies already being written finish for up to <see cref="EchoServerOptions.StopTimeout"/>,
/// closes every socket including the listening one, and returns.</para>
/// </remarks>
public sealed class BufferedServer : IDisposable, IAsyncDisposable
{
    private readonly TcpServerHost _host;
    private readonly EchoServerState _state;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly Lock _gate = new();
    private CancellationTokenSource? _run;
    private Task _finished = Task.CompletedTask;
    private Task? _stopped;
    private volatile bool _keepRunning = true;
    private bool _started;
    private int _shutDown;

    /// <summary>Binds and listens, as the handout's constructor does.</summary>
    /// <param name="bindAddress">Which local address to accept clients on: <c>""</c> (the handout's <c>''</c>), <c>*</c> or
    /// null for every interface (IPv4 and IPv6 where available), an IP literal, or a host name.</param>
    /// <param name="port">0-65535; 0 lets the OS choose (read it back from <see cref="Port"/>).</param>
    /// <param name="bufferSize">The handout's receive size, 1 to <see cref="BufferedClient.MaxBufferSize"/> (see remarks).</param>
    /// <param name="options">Limits; <see cref="EchoServerOptions.Default"/> when null.</param>
    /// <param name="logger">Receives one line per accepted, closed and rejected connection; nothing is logged when null.</param>
    /// <param name="metrics">Counts connections, messages, bytes and rejects under the service name <c>echo</c>.</param>
    /// <exception cref="ServerStartException">The address does not resolve or cannot be bound (e.g. the port is in use).</exception>
    public BufferedServer(string bindAddress, int port, int bufferSize, EchoServerOptions? options = null, ILogger? logger = null, SwitchboardMetrics? metrics = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(port, IPEndPoint.MinPort);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, IPEndPoint.MaxPort);
        BufferedClient.CheckBufferSize(bufferSize);
        var validated = (options ?? EchoServerOptions.Default).Validated();
        BufferSize = bufferSize;
        _state = new EchoServerState(validated, holdUntilServing: true);
        var address = ResolveBindAddress(bindAddress, port);
        var hostOptions = new ServerHostOptions
        {
            MaxConnections = validated.MaxConnections,
            ShutdownTimeout = validated.StopTimeout,
            Backlog = validated.Backlog,
        };
        // The one blocking step of construction: the handout's constructor binds. The host uses
        // ConfigureAwait(false) throughout, so blocking here cannot deadlock on a synchronization context.
        _host = TcpServerHost.StartAsync(
            [EchoEndpoint.At(address, port)],
            hostOptions,
            services =>
            {
                EchoEndpoint.Register(services, validated, _state);
                if (metrics is not null)
                {
                    services.AddSingleton(metrics);
                }
            },
            logger is null ? null : l => ForwardingLoggerProvider.AddTo(l, logger, EchoConnectionHandler.ServiceName),
            CancellationToken.None).GetAwaiter().GetResult();
        LocalEndPoint = _host.Endpoints[EchoConnectionHandler.ServiceName];
    }

    /// <summary>The address and port actually bound.</summary>
    public IPEndPoint LocalEndPoint { get; }

    /// <summary>The port actually bound (the OS's choice when 0 was asked for).</summary>
    public int Port => LocalEndPoint.Port;

    /// <summary>The handout's receive size, as given (see remarks).</summary>
    public int BufferSize { get; }

    /// <summary>Clients being served (or waiting for <see cref="Start"/>) right now.</summary>
    public int ActiveConnections => (int)_host.OpenConnections(EchoConnectionHandler.ServiceName);

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
                // Cancelled outside the lock: cancellation may run RunAsync's continuation inline.
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
        try
        {
            _state.BeginServing();
            var stop = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            // Runs synchronously inside KeepRunning = false: connections stop answering before the setter returns.
            await using (run.Token.UnsafeRegister(_ =>
            {
                _state.StopServing();
                stop.TrySetResult();
            }, null).ConfigureAwait(false))
            {
                await stop.Task.ConfigureAwait(false);
            }
            await StopHostAsync().ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                _run = null;
            }
            run.Dispose();
            finished.TrySetResult();
        }
    }

    /// <summary>
    /// Releases every socket at once: the listening socket and every client connection (no grace period). A running
    /// <see cref="Start"/>/<see cref="RunAsync"/> returns. Safe to call more than once.
    /// </summary>
    public void Shutdown()
    {
        if (Interlocked.Exchange(ref _shutDown, 1) == 1)
        {
            return;
        }
        _keepRunning = false;
        Cancel(_abort);
        Cancel(_shutdown);
        // Blocks, as the handout's shutdown() does, until the sockets are really closed.
        StopHostAsync().GetAwaiter().GetResult();
    }

    /// <summary>Same as <see cref="Shutdown"/>.</summary>
    public void Dispose() => Shutdown();

    /// <summary>Shuts down and waits until a running <see cref="RunAsync"/> has finished.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _shutDown, 1) == 0)
        {
            _keepRunning = false;
            Cancel(_abort);
            Cancel(_shutdown);
            await StopHostAsync().ConfigureAwait(false);
        }
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

    /// <summary>Stops the host once: graceful up to <see cref="EchoServerOptions.StopTimeout"/>, at once after <see cref="Shutdown"/>.</summary>
    private Task StopHostAsync()
    {
        lock (_gate)
        {
            return _stopped ??= StopAndDisposeAsync();
        }

        async Task StopAndDisposeAsync()
        {
            await _host.StopAsync(_abort.Token).ConfigureAwait(false);
            await _host.DisposeAsync().ConfigureAwait(false);
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

    /// <summary>The handout's bind argument as an address: empty, <c>*</c> or null for all interfaces (Python's <c>''</c>), an IP literal, or a host name.</summary>
    private static IPAddress? ResolveBindAddress(string? bindAddress, int port)
    {
        if (BindAddress.TryParse(bindAddress, out var address, out _))
        {
            return address;
        }
        var host = bindAddress!;
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            // Python's bind on an AF_INET socket takes the IPv4 address of a name; do the same where there is one.
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? addresses.FirstOrDefault()
                ?? throw new SocketException((int)SocketError.HostNotFound);
        }
        catch (SocketException e)
        {
            throw new ServerStartException($"cannot listen (echo on {host} port {port}): bind address '{host}' does not resolve: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new ServerStartException($"cannot listen (echo on {host} port {port}): bind address '{host}' is not valid: {e.Message}", e);
        }
    }
}
