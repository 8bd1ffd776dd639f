using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Transport.Observability;

namespace Switchboard.Transport.Hosting;

/// <summary>
/// Base for every service's Kestrel handler: logs the accepted peer, counts the connection, turns
/// expected failures into one logged line and a reject metric, and always closes the connection: with a
/// reset, on endpoints marked <see cref="ListenSpec.AbortiveUntilAcknowledged"/>, unless the handler
/// called <see cref="ConnectionClose.Acknowledge"/>.
/// Kestrel makes one instance per endpoint and calls it from many connections at once, so
/// subclasses keep no per-connection state in fields.
/// </summary>
public abstract class ServiceConnectionHandler : ConnectionHandler
{
    protected ServiceConnectionHandler(string service, ILogger logger, SwitchboardMetrics metrics)
    {
        Service = service;
        Logger = logger;
        Metrics = metrics;
    }

    protected string Service { get; }

    protected ILogger Logger { get; }

    protected SwitchboardMetrics Metrics { get; }

    public sealed override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var peer = PeerAddress.Format(connection.RemoteEndPoint);
        Metrics.ConnectionOpened(Service);
        Logger.LogInformation("accepted {Peer}", peer);
        // Not connection.ConnectionClosed: Kestrel fires that when the peer half-closes, yet a peer
        // that shuts down its sending side after a request still expects the response.
        var stopping = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? CancellationToken.None;
        try
        {
            await HandleAsync(connection, peer, stopping).ConfigureAwait(false);
        }
        catch (SwitchboardException e)
        {
            Metrics.Reject(Service, e.Reason);
            Logger.LogWarning("{Peer}: rejected: {Reason}", peer, e.Message);
        }
        catch (OperationCanceledException)
        {
            Metrics.Reject(Service, "shutdown");
            Logger.LogWarning("{Peer}: connection closed by server shutdown", peer);
        }
        catch (Exception e) when (e is IOException or ConnectionResetException or ConnectionAbortedException)
        {
            Metrics.Reject(Service, "network");
            Logger.LogWarning("{Peer}: connection lost: {Reason}", peer, NetworkErrors.Describe(e));
        }
        catch (Exception e)
        {
            // Not an expected failure: a bug. Log it whole, keep serving others.
            Metrics.Reject(Service, "internal");
            Logger.LogError(e, "{Peer}: internal error", peer);
        }
        finally
        {
            // On endpoints where a clean close means "done" (mailbox), every exchange the handler did not
            // acknowledge, failed or not, ends with a reset so the peer never mistakes it for success.
            if (ConnectionClose.IsAbortive(connection) && !ConnectionClose.IsAcknowledged(connection))
            {
                ConnectionClose.Reset(connection);
            }
            Metrics.ConnectionClosed(Service);
            await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
            Logger.LogDebug("{Peer}: closed", peer);
        }
    }

    /// <summary>Serves one connection. Throw <see cref="SwitchboardException"/> for anything the peer did wrong.</summary>
    /// <param name="peer">The peer as <c>IP:port</c>, for log lines.</param>
    /// <param name="serverStopping">Fires when the server begins shutting down. Short exchanges may ignore it
    /// (the gap rule bounds them); long-lived connections should end gracefully. A connection still open when
    /// the shutdown timeout ends is aborted, which fails its pipe reads and writes.</param>
    protected abstract Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping);
}
