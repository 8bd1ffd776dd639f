using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Transport.Tests.Hosting;

/// <summary>Abortive endpoints (a clean close means "done"), per-endpoint limits, and that other endpoints keep their clean close.</summary>
public sealed class ConnectionCloseTests
{
    /// <summary>Reads one byte: 'a' acknowledges and answers, 'f' fails, 'q' returns without acknowledging. Reports the linger it started with.</summary>
    private sealed class ScriptedHandler(ILoggerFactory logs, SwitchboardMetrics metrics)
        : ServiceConnectionHandler("scripted", logs.CreateLogger("scripted"), metrics)
    {
        protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
        {
            var linger = connection.Features.Get<IConnectionSocketFeature>()!.Socket.LingerState!;
            Logger.LogInformation("{Peer}: started with linger {On} {Seconds}", peer, linger.Enabled, linger.LingerTime);
            var input = connection.Transport.Input;
            var read = await input.ReadAsync();
            var command = read.Buffer.FirstSpan[0];
            input.AdvanceTo(read.Buffer.GetPosition(1));
            switch (command)
            {
                case (byte)'a':
                    // A large answer: a graceful close must deliver all of it.
                    await connection.Transport.Output.WriteAsync(new byte[256 * 1024]);
                    ConnectionClose.Acknowledge(connection);
                    return;
                case (byte)'f':
                    throw new InvalidOperationException("scripted failure");
                case (byte)'w':
                    await input.ReadAsync();
                    return;
                default:
                    await connection.Transport.Output.WriteAsync(new byte[256 * 1024]);
                    return;
            }
        }
    }

    private static Task<TcpServerHost> StartAsync(TestLogSink logs, params ListenSpec[] specs) => TcpServerHost.StartAsync(
        specs, ServerHostOptions.Default, configureServices: null, configureLogging: l => l.AddProvider(logs), CancellationToken.None);

    private static ListenSpec Spec(string name, bool abortive, long? max = null) =>
        new(name, IPAddress.Loopback, 0, b => b.UseConnectionHandler<ScriptedHandler>()) { AbortiveUntilAcknowledged = abortive, MaxConnections = max };

    private static async Task<(byte[] Received, PeerCloseKind Kind)> SendAsync(int port, char command)
    {
        try
        {
            await using var tcp = await RawTcp.ConnectAsync(port);
            await tcp.SendAsync(new[] { (byte)command });
            return await tcp.Socket.ReadUntilClosedAsync();
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            return ([], PeerCloseKind.Reset);
        }
    }

    [Fact]
    public async Task An_abortive_endpoint_resets_unless_acknowledged_and_other_endpoints_close_cleanly()
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(logs, Spec("abortive", abortive: true), Spec("graceful", abortive: false));
        int abortive = host.PortOf("abortive"), graceful = host.PortOf("graceful");

        var acknowledged = await SendAsync(abortive, 'a');
        acknowledged.Kind.ShouldBe(PeerCloseKind.Clean);
        acknowledged.Received.Length.ShouldBe(256 * 1024, "an acknowledged close delivers everything written");
        (await SendAsync(abortive, 'f')).Kind.ShouldBe(PeerCloseKind.Reset);
        (await SendAsync(abortive, 'q')).Kind.ShouldBe(PeerCloseKind.Reset, "returning without an acknowledgement is not success");

        var plain = await SendAsync(graceful, 'q');
        plain.Kind.ShouldBe(PeerCloseKind.Clean);
        plain.Received.Length.ShouldBe(256 * 1024);
        (await SendAsync(graceful, 'f')).Kind.ShouldBe(PeerCloseKind.Clean);

        // Linger 0 is on from accept (so a crash resets too) on the abortive endpoint only.
        logs.Lines.Count(l => l.Contains("scripted") && l.Contains("started with linger True 0")).ShouldBe(3);
        logs.Lines.Count(l => l.Contains("started with linger False")).ShouldBe(2);
    }

    [Fact]
    public async Task Each_endpoint_has_its_own_limit()
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(logs, Spec("abortive", abortive: true, max: 1), Spec("graceful", abortive: false, max: 1));
        await using var holdA = await RawTcp.ConnectAsync(host.PortOf("abortive"));
        await holdA.SendAsync("w"u8.ToArray());
        await using var holdG = await RawTcp.ConnectAsync(host.PortOf("graceful"));
        await holdG.SendAsync("w"u8.ToArray());
        await Deadline.Until(() => logs.Lines.Count(l => l.Contains("started with linger")) == 2, "both held connections served");

        (await SendAsync(host.PortOf("abortive"), 'a')).Kind.ShouldBe(PeerCloseKind.Reset);
        var refused = await SendAsync(host.PortOf("graceful"), 'a');
        refused.Kind.ShouldBe(PeerCloseKind.Clean, "refusals elsewhere stay a plain close");
        refused.Received.ShouldBeEmpty();
        await logs.WaitForAsync("refused 127.0.0.1:");
        logs.Lines.ShouldContain(l => l.Contains("abortive is serving its limit of 1 connection"));
        logs.Lines.ShouldContain(l => l.Contains("graceful is serving its limit of 1 connection"));

        holdA.ShutdownSend();
        (await holdA.Socket.ReadUntilClosedAsync()).Kind.ShouldBe(PeerCloseKind.Reset);
        // The slot is freed just after the reset is sent, so the next client may still race it: retry briefly.
        var end = DateTime.UtcNow + Deadline.Default;
        while ((await SendAsync(host.PortOf("abortive"), 'a')).Kind != PeerCloseKind.Clean)
        {
            (DateTime.UtcNow < end).ShouldBeTrue("a freed slot is used again");
        }
    }
}
