using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Chat;

/// <summary>
/// <c>switchboard chat server</c> (handout 002) on its own host: participants on one port, observers on another.
/// Stopping tells every client the server is going away before closing. The CLI and <c>up</c> host the same
/// handlers through <see cref="ChatEndpoint"/>.
/// </summary>
public sealed class ChatServer : IAsyncDisposable
{
    public const string ServiceName = "chat";

    private readonly TcpServerHost _host;

    private ChatServer(TcpServerHost host) => _host = host;

    public int Port => _host.PortOf(ChatEndpoint.ParticipantsEndpoint);

    public int ObserverPort => _host.PortOf(ChatEndpoint.ObserversEndpoint);

    public ChatRoom Room => _host.Services.GetRequiredService<ChatRoom>();

    public ChatMetrics Metrics => _host.Services.GetRequiredService<ChatMetrics>();

    /// <summary>Starts listening on both ports; fails with <see cref="ServerStartException"/> when one cannot be bound.</summary>
    public static async Task<ChatServer> StartAsync(ChatServerOptions options, Action<ILoggingBuilder>? configureLogging, CancellationToken cancellationToken)
    {
        var host = await TcpServerHost.StartAsync(
            ChatEndpoint.At(options),
            HostOptions(options),
            services => ChatEndpoint.Register(services, options),
            configureLogging,
            cancellationToken).ConfigureAwait(false);
        return new ChatServer(host);
    }

    /// <summary>Host bounds for a chat server: room for every participant and observer, and time to say goodbye.</summary>
    public static ServerHostOptions HostOptions(ChatServerOptions options) => new()
    {
        MaxConnections = Math.Max(ServerHostOptions.Default.MaxConnections, (long)options.MaxParticipants + options.MaxObservers + 64),
        ShutdownTimeout = options.ShutdownTimeout + TimeSpan.FromSeconds(1),
    };

    /// <summary>Tells every client the server is going away, closes every connection, releases the ports.</summary>
    public Task StopAsync() => _host.StopAsync(CancellationToken.None);

    public ValueTask DisposeAsync() => _host.DisposeAsync();
}
