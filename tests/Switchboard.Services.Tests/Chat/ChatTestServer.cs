using Microsoft.Extensions.Logging;
using Switchboard.Services.Chat;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Chat;

namespace Switchboard.Services.Tests.Chat;

/// <summary>A chat server on ephemeral ports with its log lines captured.</summary>
internal sealed class ChatTestServer : IAsyncDisposable
{
    private ChatTestServer(ChatServer server, TestLogSink logs)
    {
        Server = server;
        Logs = logs;
    }

    public ChatServer Server { get; }

    public TestLogSink Logs { get; }

    public int Port => Server.Port;

    public int ObserverPort => Server.ObserverPort;

    public static async Task<ChatTestServer> StartAsync(ChatServerOptions? options = null)
    {
        var logs = new TestLogSink();
        var server = await ChatServer.StartAsync(
            (options ?? new ChatServerOptions()) with { Port = 0, ObserverPort = 0, Bind = System.Net.IPAddress.Loopback },
            b => b.AddProvider(logs).SetMinimumLevel(LogLevel.Debug),
            CancellationToken.None);
        return new ChatTestServer(server, logs);
    }

    public Task<ChatPeer> JoinAsync(string name) => ChatPeer.JoinAsync(Port, name);

    public Task<ChatPeer> ObserveAsync(ChatPeer participant) => ChatPeer.ObserveAsync(ObserverPort, participant);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        Logs.Dispose();
    }
}
