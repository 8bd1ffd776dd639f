using System.Net;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Mailbox;

/// <summary>A mailbox server on an ephemeral loopback port, with its log captured.</summary>
public sealed class MailboxTestServer : IAsyncDisposable
{
    private readonly bool _ownsStore;

    private MailboxTestServer(TcpServerHost host, IMailboxStore store, TestLogSink logs, bool ownsStore)
    {
        Host = host;
        Store = store;
        Logs = logs;
        _ownsStore = ownsStore;
    }

    public TcpServerHost Host { get; }

    public IMailboxStore Store { get; }

    public TestLogSink Logs { get; }

    public int Port => Host.PortOf(MailboxServer.ServiceName);

    /// <summary>Short gap so gap tests finish quickly; generous deadline so it does not interfere.</summary>
    public static readonly TransportLimits FastLimits = new() { GapTimeout = TimeSpan.FromMilliseconds(300), RequestTimeout = TimeSpan.FromSeconds(5) };

    public static async Task<MailboxTestServer> StartAsync(IMailboxStore? store = null, TransportLimits? limits = null, ServerHostOptions? hostOptions = null, TestLogSink? logs = null)
    {
        logs ??= new TestLogSink();
        var owned = store is null;
        store ??= new MemoryMailboxStore();
        var options = new MailboxServerOptions { Limits = limits ?? FastLimits };
        var host = await TcpServerHost.StartAsync(
            [MailboxEndpoint.At(IPAddress.Loopback, 0)],
            hostOptions ?? ServerHostOptions.Default,
            services => MailboxEndpoint.Register(services, options, store),
            l => l.AddProvider(logs).SetMinimumLevel(LogLevel.Debug),
            CancellationToken.None);
        return new MailboxTestServer(host, store, logs, owned);
    }

    /// <summary>Sends a create request and waits until the server has closed the connection (i.e. stored it).</summary>
    public async Task CreateAsync(string sender, string receiver, string text)
    {
        await using var tcp = await RawTcp.ConnectAsync(Port);
        await tcp.SendAsync(MessageRequestCodec.Encode(MessageRequest.Create(sender, receiver, text)));
        var (received, kind) = await tcp.Socket.ReadUntilClosedAsync();
        received.ShouldBeEmpty("a create request gets no response");
        kind.ShouldBe(PeerCloseKind.Clean, "a clean close is the protocol's only acknowledgement that the message was stored");
    }

    /// <summary>Sends raw bytes and reports how the server ended the connection.</summary>
    public async Task<(byte[] Received, PeerCloseKind Kind)> SendAndObserveCloseAsync(ReadOnlyMemory<byte> bytes)
    {
        await using var tcp = await RawTcp.ConnectAsync(Port);
        await tcp.SendAsync(bytes);
        return await tcp.Socket.ReadUntilClosedAsync();
    }

    /// <summary>Sends a read request and returns the raw response bytes.</summary>
    public async Task<byte[]> ReadRawAsync(string user)
    {
        await using var tcp = await RawTcp.ConnectAsync(Port);
        await tcp.SendAsync(MessageRequestCodec.Encode(MessageRequest.Read(user)));
        return await tcp.ReadToEndAsync();
    }

    /// <summary>Sends a read request and decodes the response.</summary>
    public async Task<(MessageResponseHeader Header, List<MailboxMessage> Messages)> ReadAsync(string user)
    {
        var bytes = await ReadRawAsync(user);
        MessageResponseCodec.TryDecode(new System.Buffers.ReadOnlySequence<byte>(bytes), out var response, out var consumed, out var error)
            .ShouldBe(Switchboard.Protocol.DecodeStatus.Complete, $"response of {bytes.Length} bytes: {error}");
        new System.Buffers.ReadOnlySequence<byte>(bytes).Slice(consumed).Length.ShouldBe(0, "nothing after the last message");
        return response;
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        if (_ownsStore)
        {
            await Store.DisposeAsync();
        }
    }
}
