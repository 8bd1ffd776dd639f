using System.Net;
using Microsoft.Extensions.Logging;
using Switchboard.Services.Chat;
using Switchboard.Services.Chat.Web;
using Switchboard.Transport.Hosting;

namespace Switchboard.Tests.Shared.Chat;

/// <summary>A chat server with its web port, all on loopback (ephemeral ports unless given), its log lines captured.</summary>
internal sealed class ChatWebTestServer : IAsyncDisposable
{
    private ChatWebTestServer(TcpServerHost host, TestLogSink logs)
    {
        Host = host;
        Logs = logs;
    }

    public TcpServerHost Host { get; }

    public TestLogSink Logs { get; }

    public int Port => Host.PortOf(ChatEndpoint.ParticipantsEndpoint);

    public int ObserverPort => Host.PortOf(ChatEndpoint.ObserversEndpoint);

    public int WebPort => Host.PortOf(ChatWebEndpoint.ServiceName);

    /// <summary>The page, as a person would type it.</summary>
    public string PageUrl => $"http://127.0.0.1:{WebPort}/";

    public Uri WebSocketUri => new($"ws://127.0.0.1:{WebPort}{ChatWebOptions.WebSocketPath}");

    public ChatRoom Room => (ChatRoom)Host.Services.GetService(typeof(ChatRoom))!;

    /// <param name="webPort">0 for any; a fixed port to restart a server where a page expects it.</param>
    /// <param name="chatPorts">The TCP ports (participants, observers), for a page that should show them; any by default.</param>
    public static async Task<ChatWebTestServer> StartAsync(ChatServerOptions? chat = null, ChatWebOptions? web = null, int webPort = 0, (int Port, int ObserverPort)? chatPorts = null)
    {
        var logs = new TestLogSink();
        var options = (chat ?? new ChatServerOptions()) with { Port = chatPorts?.Port ?? 0, ObserverPort = chatPorts?.ObserverPort ?? 0, Bind = IPAddress.Loopback };
        var webOptions = (web ?? new ChatWebOptions()) with { Port = webPort };
        var host = await TcpServerHost.StartAsync(
            [.. ChatEndpoint.At(options), ChatWebEndpoint.At(options, webOptions)],
            ChatServer.HostOptions(options),
            services =>
            {
                ChatEndpoint.Register(services, options);
                ChatWebEndpoint.Register(services, webOptions);
            },
            b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug),
            CancellationToken.None);
        return new ChatWebTestServer(host, logs);
    }

    public Task<ChatPeer> JoinAsync(string name) => ChatPeer.JoinAsync(Port, name);

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        Logs.Dispose();
    }
}
