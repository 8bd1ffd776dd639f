using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Transport.Tests.Hosting;

/// <summary>
/// Every accept path under the one handler seam: the direct path (Switchboard's accept loop and socket connections),
/// Kestrel's, and the opt-in epoll loops (Linux). The same handler sees the same bytes, closes, limits and shutdown
/// on each.
/// </summary>
public sealed class AcceptPathTests
{
    /// <summary>
    /// Reads one command byte: 'e' echoes everything until the peer half-closes; 'b' writes 8 MiB then returns;
    /// 's' waits for the server to stop, then says "bye"; 'q' returns without writing anything (its output is never
    /// touched); 'f' answers "yes" when it sees the socket feature and a feature the pipeline set; 'p' writes its local
    /// and remote endpoints and returns; 'c' waits for the connection's closed token (the peer's FIN), then writes
    /// "closed"; 'a' aborts; 'r' resets (linger 0); 'h' reads until the connection fails (ignores the stop).
    /// </summary>
    private sealed class CommandHandler(ILoggerFactory logs, SwitchboardMetrics metrics)
        : ServiceConnectionHandler("cmd", logs.CreateLogger("cmd"), metrics)
    {
        protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
        {
            var input = connection.Transport.Input;
            var output = connection.Transport.Output;
            var first = await input.ReadAsync();
            var command = first.Buffer.FirstSpan[0];
            input.AdvanceTo(first.Buffer.GetPosition(1));
            switch (command)
            {
                case (byte)'e':
                    while (true)
                    {
                        var read = await input.ReadAsync();
                        foreach (var segment in read.Buffer)
                        {
                            await output.WriteAsync(segment);
                        }
                        input.AdvanceTo(read.Buffer.End);
                        if (read.IsCompleted)
                        {
                            return;
                        }
                    }
                case (byte)'b':
                    await output.WriteAsync(Pattern(8 * 1024 * 1024));
                    return;
                case (byte)'q':
                    Logger.LogInformation("{Peer}: quiet", peer);
                    return;
                case (byte)'f':
                    var seen = connection.Features.Get<IConnectionSocketFeature>()?.Socket is not null
                        && connection.Features.Get<MarkFeature>() is not null
                        && connection.Features.Any(f => f.Key == typeof(MarkFeature));
                    await output.WriteAsync(seen ? "yes"u8.ToArray() : "no"u8.ToArray());
                    return;
                case (byte)'p':
                    await output.WriteAsync(System.Text.Encoding.ASCII.GetBytes($"{connection.LocalEndPoint} {connection.RemoteEndPoint}"));
                    return;
                case (byte)'c':
                    await Task.Delay(Timeout.Infinite, connection.ConnectionClosed).ContinueWith(_ => { }, TaskScheduler.Default);
                    await output.WriteAsync("closed"u8.ToArray());
                    return;
                case (byte)'a':
                    connection.Abort();
                    Logger.LogInformation("{Peer}: aborted", peer);
                    return;
                case (byte)'r':
                    ConnectionClose.Reset(connection);
                    Logger.LogInformation("{Peer}: reset", peer);
                    return;
                case (byte)'s':
                    await Task.Delay(Timeout.Infinite, serverStopping).ContinueWith(_ => { }, TaskScheduler.Default);
                    await output.WriteAsync("bye"u8.ToArray());
                    Logger.LogInformation("{Peer}: said bye", peer);
                    return;
                default:
                    Logger.LogInformation("{Peer}: holding", peer);
                    while (true)
                    {
                        var read = await input.ReadAsync();
                        input.AdvanceTo(read.Buffer.End);
                        if (read.IsCompleted)
                        {
                            return;
                        }
                    }
            }
        }
    }

    private sealed class MarkFeature;

    public static TheoryData<AcceptPath> Paths =>
        OperatingSystem.IsLinux() ? [AcceptPath.Direct, AcceptPath.Kestrel, AcceptPath.Epoll] : [AcceptPath.Direct, AcceptPath.Kestrel];

    /// <summary>The paths whose listening sockets are Switchboard's own.</summary>
    public static TheoryData<AcceptPath> OwnListenerPaths =>
        OperatingSystem.IsLinux() ? [AcceptPath.Direct, AcceptPath.Epoll] : [AcceptPath.Direct];

    private static byte[] Pattern(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(i * 7);
        }
        return bytes;
    }

    private static Task<TcpServerHost> StartAsync(AcceptPath path, TestLogSink logs, long? max = null, TimeSpan? shutdownTimeout = null) => TcpServerHost.StartAsync(
        [new ListenSpec("cmd", IPAddress.Loopback, 0, b => b.Use(next => connection =>
        {
            connection.Features.Set(new MarkFeature());
            return next(connection);
        }).UseConnectionHandler<CommandHandler>()) { MaxConnections = max }],
        new ServerHostOptions { AcceptPath = path, ShutdownTimeout = shutdownTimeout ?? TimeSpan.FromSeconds(5) },
        configureServices: null,
        configureLogging: l => l.AddProvider(logs),
        CancellationToken.None);

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Pipelined_bytes_come_back_in_order_and_a_half_close_ends_the_exchange(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        var payload = Pattern(300_000);
        await client.SendAsync(new byte[] { (byte)'e' });
        var sending = client.SendAsync(payload);
        var received = client.ReadExactlyAsync(payload.Length);
        await sending;
        (await received).ShouldBe(payload);
        client.ShutdownSend();
        (await client.Socket.ReadUntilClosedAsync()).Kind.ShouldBe(PeerCloseKind.Clean);
        await Deadline.Until(() => host.OpenConnections("cmd") == 0, "the connection to be released");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_handler_that_never_writes_still_closes_cleanly(AcceptPath path)
    {
        // The direct path makes a connection's output pipe only on the first write: this one never has one.
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        await client.SendAsync(new byte[] { (byte)'q' });
        var (received, kind) = await client.Socket.ReadUntilClosedAsync();
        kind.ShouldBe(PeerCloseKind.Clean);
        received.ShouldBeEmpty();
        await logs.WaitForAsync("quiet");
        await Deadline.Until(() => host.OpenConnections("cmd") == 0, "the connection to be released");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_handler_sees_the_socket_feature_and_features_set_before_it(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        await client.SendAsync(new byte[] { (byte)'f' });
        (await client.ReadToEndAsync()).ShouldBe("yes"u8.ToArray());
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_large_answer_is_delivered_whole_before_the_close(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        // More than the socket buffers hold: the handler returns while bytes are still unsent, and the close must wait for them.
        await client.SendAsync(new byte[] { (byte)'b' });
        var (received, kind) = await client.Socket.ReadUntilClosedAsync();
        kind.ShouldBe(PeerCloseKind.Clean);
        received.ShouldBe(Pattern(8 * 1024 * 1024));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_connection_over_the_limit_is_refused_and_the_next_one_after_a_release_is_served(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs, max: 1);
        var port = host.PortOf("cmd");
        await using (var holder = await RawTcp.ConnectAsync(port))
        {
            await holder.SendAsync(new byte[] { (byte)'h' });
            await logs.WaitForAsync("holding");
            await using var refused = await RawTcp.ConnectAsync(port);
            (await refused.ClosedByPeerAsync()).ShouldBeTrue();
            await logs.WaitForAsync("refused");
        }
        await Deadline.Until(() => host.OpenConnections("cmd") == 0, "the holder to be released");
        await using var next = await RawTcp.ConnectAsync(port);
        await next.SendAsync(new byte[] { (byte)'b' });
        (await next.ReadToEndAsync()).Length.ShouldBe(8 * 1024 * 1024);
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Stopping_asks_open_exchanges_to_finish_and_waits_for_them(AcceptPath path)
    {
        var logs = new TestLogSink();
        var host = await StartAsync(path, logs);
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        await client.SendAsync(new byte[] { (byte)'s' });
        await Deadline.Until(() => host.OpenConnections("cmd") == 1, "the exchange to start");
        var stopping = host.StopAsync();
        (await client.ReadToEndAsync()).ShouldBe("bye"u8.ToArray());
        await stopping.Within();
        await logs.WaitForAsync("said bye");
        await host.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task An_exchange_that_ignores_the_stop_is_aborted_when_the_shutdown_timeout_ends(AcceptPath path)
    {
        var logs = new TestLogSink();
        var host = await StartAsync(path, logs, shutdownTimeout: TimeSpan.FromMilliseconds(200));
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        await client.SendAsync(new byte[] { (byte)'h' });
        await logs.WaitForAsync("holding");
        await host.StopAsync().Within();
        (await client.ClosedByPeerAsync()).ShouldBeTrue();
        host.OpenConnections("cmd").ShouldBe(0);
        await host.DisposeAsync();
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_peer_reset_reaches_the_handler_as_a_lost_connection(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        await client.SendAsync(new byte[] { (byte)'h' });
        await logs.WaitForAsync("holding");
        client.Socket.LingerState = new LingerOption(true, 0);
        client.Socket.Close();
        await logs.WaitForAsync("connection lost: connection reset by peer");
        await Deadline.Until(() => host.OpenConnections("cmd") == 0, "the connection to be released");
    }

    [Theory]
    [MemberData(nameof(OwnListenerPaths))]
    public async Task The_path_reports_its_bound_endpoint_and_refuses_a_port_in_use(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        var port = host.PortOf("cmd");
        host.Endpoints["cmd"].ShouldBe(new IPEndPoint(IPAddress.Loopback, port));
        var error = await Should.ThrowAsync<ServerStartException>(() => TcpServerHost.StartAsync(
            [new ListenSpec("cmd", IPAddress.Loopback, port, b => b.UseConnectionHandler<CommandHandler>())],
            new ServerHostOptions { AcceptPath = path }, null, null, CancellationToken.None));
        error.Message.ShouldContain("address already in use");
    }

    [Theory]
    [MemberData(nameof(OwnListenerPaths))]
    public async Task Many_connections_at_once_are_all_served(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        var port = host.PortOf("cmd");
        var clients = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            await using var client = await RawTcp.ConnectAsync(port);
            await client.SendAsync(new byte[] { (byte)'e', (byte)i });
            client.ShutdownSend();
            return await client.ReadToEndAsync();
        }));
        clients.Select(c => c.Single()).ShouldBe(Enumerable.Range(0, 200).Select(i => (byte)i));
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task The_handler_sees_both_endpoints_of_its_connection(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        await client.SendAsync(new byte[] { (byte)'p' });
        var text = System.Text.Encoding.ASCII.GetString(await client.ReadToEndAsync());
        text.ShouldBe($"{client.Socket.RemoteEndPoint} {client.Socket.LocalEndPoint}");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task The_peer_s_fin_fires_the_closed_token_and_the_connection_still_answers(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        await client.SendAsync(new byte[] { (byte)'c' });
        client.ShutdownSend();
        (await client.ReadToEndAsync()).ShouldBe("closed"u8.ToArray());
    }

    // Only Switchboard's paths: Kestrel's own socket transport answers this abort with a reset (this test, run on it).
    [Theory]
    [MemberData(nameof(OwnListenerPaths))]
    public async Task An_abort_ends_the_connection_with_a_fin(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        await using var client = await RawTcp.ConnectAsync(host.PortOf("cmd"));
        await client.SendAsync(new byte[] { (byte)'a' });
        (await client.Socket.ReadUntilClosedAsync()).Kind.ShouldBe(PeerCloseKind.Clean);
        await Deadline.Until(() => host.OpenConnections("cmd") == 0, "the connection to be released");
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task A_reset_by_the_handler_reaches_the_peer_as_a_reset_and_the_connection_is_released(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        var port = host.PortOf("cmd");
        await using (var client = await RawTcp.ConnectAsync(port))
        {
            await client.SendAsync(new byte[] { (byte)'r' });
            (await client.Socket.ReadUntilClosedAsync()).Kind.ShouldBe(PeerCloseKind.Reset);
        }
        await Deadline.Until(() => host.OpenConnections("cmd") == 0, "the connection to be released");
        // The loop still serves connections after one was disposed under it.
        await using var next = await RawTcp.ConnectAsync(port);
        await next.SendAsync(new byte[] { (byte)'e', 42 });
        next.ShutdownSend();
        (await next.ReadToEndAsync()).ShouldBe(new byte[] { 42 });
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Connections_opened_and_closed_in_turn_are_all_served(AcceptPath path)
    {
        var logs = new TestLogSink();
        await using var host = await StartAsync(path, logs);
        var port = host.PortOf("cmd");
        for (var i = 0; i < 300; i++)
        {
            await using var client = await RawTcp.ConnectAsync(port);
            await client.SendAsync(new byte[] { (byte)'e', (byte)i });
            client.ShutdownSend();
            (await client.ReadToEndAsync()).ShouldBe(new byte[] { (byte)i });
        }
        await Deadline.Until(() => host.OpenConnections("cmd") == 0, "every connection to be released");
    }
}
