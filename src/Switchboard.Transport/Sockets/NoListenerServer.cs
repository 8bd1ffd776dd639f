using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Http.Features;

namespace Switchboard.Transport.Sockets;

/// <summary>
/// The host's server when every endpoint is accepted directly: Kestrel with no endpoint of its own would bind
/// localhost:5000 by default, which no one asked for.
/// </summary>
internal sealed class NoListenerServer : IServer
{
    public IFeatureCollection Features { get; } = new FeatureCollection();

    public Task StartAsync<TContext>(IHttpApplication<TContext> application, CancellationToken cancellationToken)
        where TContext : notnull => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
