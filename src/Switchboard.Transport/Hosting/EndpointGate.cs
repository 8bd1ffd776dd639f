using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Observability;

namespace Switchboard.Transport.Hosting;

/// <summary>
/// Runs in front of an endpoint's handler: enforces the endpoint's own connection limit and sets the
/// connection's close policy (<see cref="ConnectionClose"/>). Kestrel's host-wide limit would close
/// refused connections cleanly, which on the mailbox reads as "stored", and logs one generic warning
/// per refusal; here a refusal is a reset on abortive endpoints and one rate-limited line.
/// </summary>
internal sealed class EndpointGate : IDisposable
{
    private readonly ListenSpec _spec;
    private readonly long _limit;
    private readonly bool _clearInheritedLinger;
    private readonly SwitchboardMetrics _metrics;
    private readonly RefusalLog _refusals;
    private long _open;

    public EndpointGate(ListenSpec spec, long limit, bool clearInheritedLinger, ServerHostOptions options, ILoggerFactory logs, SwitchboardMetrics metrics)
    {
        _spec = spec;
        _limit = limit;
        _clearInheritedLinger = clearInheritedLinger;
        _metrics = metrics;
        _refusals = new RefusalLog(spec.Service, limit, logs.CreateLogger(spec.Service), options.RefusalLinesPerWindow, options.RefusalLogWindow, TimeProvider.System);
    }

    /// <summary>The endpoint's service name.</summary>
    public string Service => _spec.Service;

    /// <summary>Connections admitted and not yet finished: what the limit counts.</summary>
    public long Open => Interlocked.Read(ref _open);

    public ConnectionDelegate Wrap(ConnectionDelegate next) => connection => RunAsync(connection, next);

    private Task RunAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        ConnectionClose.Begin(connection, _spec.AbortiveUntilAcknowledged, _clearInheritedLinger);
        if (Interlocked.Increment(ref _open) > _limit)
        {
            Interlocked.Decrement(ref _open);
            _metrics.Reject(_spec.Service, "server-full");
            _refusals.Refused(PeerAddress.Format(connection.RemoteEndPoint));
            if (_spec.AbortiveUntilAcknowledged)
            {
                ConnectionClose.Reset(connection);
            }
            return Task.CompletedTask;
        }
        // The slot is released as the handler ends, on its thread, before the connection's teardown: released from
        // the direct transport's completion callbacks instead, on a single CPU the releases queued behind the accepts
        // and a mailbox server under 50 clients refused connections as "serving its limit of 10000".
        return RunAndReleaseAsync(connection, next);
    }

    private async Task RunAndReleaseAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        try
        {
            await next(connection).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
        }
    }

    public void Dispose() => _refusals.Dispose();
}
