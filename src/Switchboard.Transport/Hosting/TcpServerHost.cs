using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Epoll;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Sockets;

namespace Switchboard.Transport.Hosting;

/// <summary>
/// Raw-TCP services as connection handlers (<c>UseConnectionHandler</c>), several endpoints in one host.
/// Raw endpoints are accepted by Switchboard's own loops (<see cref="DirectEndpoints"/>: the handler starts on
/// the thread that accepted, on Kestrel's socket connections) unless <see cref="ServerHostOptions.AcceptPath"/>
/// says Kestrel; the services supply handlers. Start with <see cref="StartAsync"/>; the bound ports are then in
/// <see cref="Endpoints"/> (useful with port 0).
/// </summary>
public sealed class TcpServerHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IReadOnlyList<(ListenSpec Spec, ListenOptions Options)> _listeners;
    private readonly IReadOnlyList<EndpointGate> _gates;
    private readonly DirectEndpoints? _direct;
    private readonly EpollEndpoints? _epoll;
    private readonly TimeSpan _shutdownTimeout;

    private TcpServerHost(WebApplication app, IReadOnlyList<(ListenSpec, ListenOptions)> listeners, IReadOnlyList<EndpointGate> gates, DirectEndpoints? direct, EpollEndpoints? epoll, TimeSpan shutdownTimeout)
    {
        _app = app;
        _listeners = listeners;
        _gates = gates;
        _direct = direct;
        _epoll = epoll;
        _shutdownTimeout = shutdownTimeout;
    }

    /// <summary>The host's services (stores, options, metrics).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>Each service's bound endpoint, by service name. Valid after start.</summary>
    public IReadOnlyDictionary<string, IPEndPoint> Endpoints =>
        _listeners.Select(l => (l.Spec, EndPoint: l.Options.IPEndPoint!))
            .Concat(_direct?.Bound ?? [])
            .Concat(_epoll?.Bound ?? [])
            .ToDictionary(l => l.Spec.Service, l => l.EndPoint);

    /// <summary>
    /// Connections <paramref name="service"/> is serving now, as its connection limit counts them: once this
    /// drops below the limit, a new connection is admitted.
    /// </summary>
    public long OpenConnections(string service) => _gates.Where(g => g.Service == service).Sum(g => g.Open);

    /// <summary>The bound port of <paramref name="service"/>.</summary>
    public int PortOf(string service) => Endpoints[service].Port;

    /// <summary>Builds and starts a host; fails with <see cref="ServerStartException"/> when a port cannot be bound.</summary>
    /// <param name="configureServices">Registers what the handlers need (stores, options).</param>
    /// <param name="configureLogging">Logging providers; <c>null</c> for none.</param>
    public static async Task<TcpServerHost> StartAsync(
        IReadOnlyList<ListenSpec> endpoints,
        ServerHostOptions options,
        Action<IServiceCollection>? configureServices,
        Action<ILoggingBuilder>? configureLogging,
        CancellationToken cancellationToken)
    {
        // Web content, if any, comes from the services' own pipelines (ListenSpec.Http), never from disk: pin the content
        // root to the app so the host never needs to read the working directory (which a service account may not be allowed to).
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        // HTTP endpoints need Kestrel's HTTP pipeline; only raw endpoints take the direct accept path.
        var direct = endpoints.Where(e => options.AcceptPath is AcceptPath.Direct or AcceptPath.Epoll && e.Http is null).ToList();
        var useEpoll = options.AcceptPath == AcceptPath.Epoll && EpollNative.IsSupported;
        var onKestrel = endpoints.Except(direct).ToList();
        if (onKestrel.Count > 0)
        {
            builder.WebHost.UseKestrelCore();
        }
        else
        {
            builder.Services.AddSingleton<IServer, NoListenerServer>();
        }
        builder.Services.AddMetrics();
        builder.Services.AddSingleton<SwitchboardMetrics>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.ShutdownTimeout);
        builder.Services.Configure<SocketTransportOptions>(o =>
        {
            o.MaxReadBufferSize = options.MaxReadBufferSize;
            o.Backlog = options.Backlog;
            o.CreateBoundListenSocket = endpoint =>
            {
                var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                if (AnyAbortiveAt(endpoints, endpoint))
                {
                    ConnectionClose.ArmListener(socket);
                }
                return socket;
            };
        });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        configureServices?.Invoke(builder.Services);

        var listeners = new List<(ListenSpec, ListenOptions)>();
        var gates = new List<EndpointGate>();
        // Port 0 cannot tell endpoints apart when their listening sockets are made, so if such endpoints
        // differ in close policy, all of them are armed and the graceful ones clear it per connection.
        var mixedPortZero = endpoints.Any(e => e.Port == 0 && e.AbortiveUntilAcknowledged) && endpoints.Any(e => e.Port == 0 && !e.AbortiveUntilAcknowledged);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            // Limits are per endpoint (EndpointGate); Kestrel's own is only a safety net far above them,
            // because its refusals are clean closes with a generic warning per connection.
            kestrel.Limits.MaxConcurrentConnections = SafetyNet(endpoints, options);
            kestrel.AddServerHeader = false;
            foreach (var spec in onKestrel)
            {
                void Configure(ListenOptions listen)
                {
                    listen.Use(next => Gate(spec, listen.ApplicationServices).Wrap(next));
                    if (spec.Http is not null)
                    {
                        listen.Protocols = HttpProtocols.Http1;
                    }
                    spec.Configure(listen);
                    listeners.Add((spec, listen));
                }
                if (spec.Address is null)
                {
                    kestrel.ListenAnyIP(spec.Port, Configure);
                }
                else
                {
                    kestrel.Listen(spec.Address, spec.Port, Configure);
                }
            }
        });

        var app = builder.Build();
        foreach (var spec in endpoints.Where(e => e.Http is not null))
        {
            // One request pipeline serves every HTTP endpoint of the host: each request goes to its own endpoint's branch.
            app.MapWhen(context => BoundPort(listeners, spec) == context.Connection.LocalPort, spec.Http!);
        }
        EndpointGate Gate(ListenSpec spec, IServiceProvider services)
        {
            var gate = new EndpointGate(
                spec,
                spec.MaxConnections ?? options.MaxConnections,
                mixedPortZero && spec.Port == 0 && !spec.AbortiveUntilAcknowledged,
                options,
                services.GetRequiredService<ILoggerFactory>(),
                services.GetRequiredService<SwitchboardMetrics>());
            lock (gates)
            {
                gates.Add(gate);
            }
            return gate;
        }
        var directEndpoints = direct.Count > 0 && !useEpoll ? new DirectEndpoints(options.MaxReadBufferSize, app.Services.GetRequiredService<ILoggerFactory>()) : null;
        var epollEndpoints = direct.Count > 0 && useEpoll ? new EpollEndpoints(options.MaxReadBufferSize, app.Services.GetRequiredService<ILoggerFactory>()) : null;
        try
        {
            foreach (var spec in direct)
            {
                // Each listening socket is its own here, so only abortive endpoints are armed.
                Action<Socket>? prepare = spec.AbortiveUntilAcknowledged ? ConnectionClose.ArmListener : null;
                if (epollEndpoints is not null)
                {
                    epollEndpoints.Bind(spec, options.Backlog, prepare);
                }
                else
                {
                    directEndpoints!.Bind(spec, options.Backlog, prepare);
                }
            }
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            directEndpoints?.Start(app.Services, spec => Gate(spec, app.Services).Wrap);
            epollEndpoints?.Start(app.Services, spec => Gate(spec, app.Services).Wrap);
        }
        catch (Exception e) when (FindSocketError(e) is { } socketError)
        {
            await DisposeAsync(directEndpoints).ConfigureAwait(false);
            await DisposeAsync(epollEndpoints).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            gates.ForEach(g => g.Dispose());
            throw new ServerStartException(Describe(endpoints, socketError), socketError);
        }
        catch (IOException e)
        {
            await DisposeAsync(directEndpoints).ConfigureAwait(false);
            await DisposeAsync(epollEndpoints).ConfigureAwait(false);
            await app.DisposeAsync().ConfigureAwait(false);
            gates.ForEach(g => g.Dispose());
            throw new ServerStartException($"cannot listen on {string.Join(", ", endpoints.Select(Where))}: {e.Message}", e);
        }
        return new TcpServerHost(app, listeners, gates, directEndpoints, epollEndpoints, options.ShutdownTimeout);
    }

    /// <summary>Stops accepting, lets open exchanges finish (up to the shutdown timeout), then closes them.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var kestrel = _app.StopAsync(cancellationToken);
        if (_direct is not null || _epoll is not null)
        {
            using var abortAfter = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            abortAfter.CancelAfter(_shutdownTimeout);
            await (_direct?.StopAsync(abortAfter.Token) ?? _epoll!.StopAsync(abortAfter.Token)).ConfigureAwait(false);
        }
        await kestrel.ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await DisposeAsync(_direct).ConfigureAwait(false);
        await DisposeAsync(_epoll).ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        foreach (var gate in _gates)
        {
            gate.Dispose();
        }
    }

    // Listeners are all added while Kestrel starts, before any request, and never change afterwards.
    private static int? BoundPort(List<(ListenSpec Spec, ListenOptions Options)> listeners, ListenSpec spec) =>
        listeners.FirstOrDefault(l => ReferenceEquals(l.Spec, spec)).Options?.IPEndPoint?.Port;

    private static async ValueTask DisposeAsync(IAsyncDisposable? endpoints)
    {
        if (endpoints is not null)
        {
            await endpoints.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static long SafetyNet(IReadOnlyList<ListenSpec> endpoints, ServerHostOptions options)
    {
        var sum = endpoints.Sum(e => Math.Min(e.MaxConnections ?? options.MaxConnections, 1_000_000));
        return (2 * sum) + 1_000;
    }

    /// <summary>Whether a listening socket for <paramref name="bound"/> serves an endpoint that wants linger 0.</summary>
    private static bool AnyAbortiveAt(IReadOnlyList<ListenSpec> endpoints, EndPoint bound)
    {
        if (bound is not IPEndPoint ip)
        {
            return false;
        }
        return endpoints.Any(e => e.AbortiveUntilAcknowledged && e.Port == ip.Port &&
            (e.Address is null ? ip.Address.Equals(IPAddress.Any) || ip.Address.Equals(IPAddress.IPv6Any) : e.Address.Equals(ip.Address)));
    }

    private static SocketException? FindSocketError(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            if (e is SocketException s)
            {
                return s;
            }
        }
        return null;
    }

    private static string Where(ListenSpec s) => $"{s.Service} on {(s.Address is null ? "*" : s.Address.ToString())} port {s.Port}";

    private static string Describe(IReadOnlyList<ListenSpec> endpoints, SocketException e)
    {
        var what = string.Join(", ", endpoints.Select(Where));
        return e.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => $"cannot listen ({what}): address already in use",
            SocketError.AccessDenied => $"cannot listen ({what}): permission denied",
            SocketError.AddressNotAvailable => $"cannot listen ({what}): address not available on this machine",
            _ => $"cannot listen ({what}): {e.Message}",
        };
    }
}
