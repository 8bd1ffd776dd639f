using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;

namespace Switchboard.Transport.Epoll;

/// <summary>
/// One accepted connection as the host tracks it: its context, a "please finish" signal for graceful shutdown
/// (what Kestrel offers as <see cref="IConnectionLifetimeNotificationFeature"/>) and a completion for the host to wait on.
/// </summary>
internal sealed class ConnectionLifetime : IConnectionLifetimeNotificationFeature, IDisposable
{
    private readonly CancellationTokenSource _closeRequested = new();
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public ConnectionLifetime(ConnectionContext connection)
    {
        Connection = connection;
        ConnectionClosedRequested = _closeRequested.Token;
    }

    public ConnectionContext Connection { get; }

    public CancellationToken ConnectionClosedRequested { get; set; }

    /// <summary>Completes once the handler returned and the connection was disposed.</summary>
    public Task Done => _done.Task;

    public void RequestClose()
    {
        try
        {
            _closeRequested.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Finished meanwhile: nothing left to ask.
        }
    }

    public void Finished() => _done.TrySetResult();

    public void Dispose() => _closeRequested.Dispose();
}
