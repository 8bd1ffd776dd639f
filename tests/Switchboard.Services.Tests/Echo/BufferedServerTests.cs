using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Switchboard.Protocol.Echo;
using Switchboard.Services.Echo;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Tests.Echo;

public sealed class BufferedServerTests
{
    private static byte[] ReplyFrame(string message) => EchoFrameCodec.Encode(EchoReply.For(message));

    [Theory]
    [InlineData("", "")]
    [InlineData("short", "")]
    [InlineData("0123456789", "")]
    [InlineData("0123456789X", "X")]
    [InlineData("😀😀😀😀😀😀😀😀😀😀 ten emoji", " ten emoji")]
    [InlineData("abcdefghi😀𝔘𝔫", "𝔘𝔫")]
    [InlineData("e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301", "e\u0301")]
    public async Task Replies_drop_ten_code_points(string message, string expected)
    {
        await using var server = EchoTestServer.Start(bufferSize: 4);
        await using var client = await BufferedClient.ConnectAsync("127.0.0.1", server.Port, 4);

        await client.SendMessageAsync(message);

        (await client.ReceiveMessageAsync().Within()).ShouldBe((expected, true));
    }

    [Fact]
    public async Task The_reply_bytes_are_exactly_the_handouts_example()
    {
        await using var server = EchoTestServer.Start();
        await using var peer = await RawTcp.ConnectAsync(server.Port);

        await peer.SendAsync((byte[])[0, 0, 0, 30, .. "Four score and seven years ago"u8]);

        (await peer.ReadExactlyAsync(24)).ShouldBe([0, 0, 0, 20, .. " and seven years ago"u8]);
    }

    [Fact]
    public async Task A_frame_delivered_one_byte_at_a_time_is_reassembled()
    {
        await using var server = EchoTestServer.Start(bufferSize: 16);
        await using var peer = await RawTcp.ConnectAsync(server.Port);
        var message = "byte by byte 😀 délivery of a message longer than the buffer";

        await peer.SendByteByByteAsync(EchoFrameCodec.Encode(message));

        var expected = ReplyFrame(message);
        (await peer.ReadExactlyAsync(expected.Length)).ShouldBe(expected);
    }

    [Fact]
    public async Task Two_frames_in_one_read_get_two_replies_in_order()
    {
        await using var server = EchoTestServer.Start(bufferSize: 4096);
        await using var peer = await RawTcp.ConnectAsync(server.Port);

        await peer.SendAsync(EchoFrameCodec.Encode("first frame of two").Concat(EchoFrameCodec.Encode("second frame of two")).ToArray());

        var expected = ReplyFrame("first frame of two").Concat(ReplyFrame("second frame of two")).ToArray();
        (await peer.ReadExactlyAsync(expected.Length)).ShouldBe(expected);
    }

    [Fact]
    public async Task A_long_message_crosses_many_receives_both_ways()
    {
        await using var server = EchoTestServer.Start(bufferSize: 4096);
        await using var client = await BufferedClient.ConnectAsync("127.0.0.1", server.Port, 1024);
        var message = string.Concat(Enumerable.Repeat("0123456789abcdef😀", 60_000));

        await client.SendMessageAsync(message);

        var (reply, ok) = await client.ReceiveMessageAsync().Within();
        ok.ShouldBeTrue();
        reply.ShouldBe(message[10..]);
    }

    [Fact]
    public async Task A_4_GiB_length_prefix_is_refused_at_once_and_the_server_goes_on()
    {
        await using var server = EchoTestServer.Start();
        await using (var hostile = await RawTcp.ConnectAsync(server.Port))
        {
            await hostile.SendAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });
            (await hostile.ClosedByPeerAsync()).ShouldBeTrue();
        }
        var line = await server.Logs.WaitForAsync("rejected:");
        line.ShouldContain("payload_length is 4294967295, expected at most 16777216 bytes");

        using var client = server.Connect();
        await client.SendMessageAsync("still serving after that");
        (await client.ReceiveMessageAsync().Within()).ShouldBe(("ing after that", true));
    }

    [Fact]
    public async Task The_frame_limit_is_configurable_and_inclusive()
    {
        await using var server = EchoTestServer.Start(options: new EchoServerOptions { MaxPayloadBytes = 12 });
        await using (var ok = await BufferedClient.ConnectAsync("127.0.0.1", server.Port, 64))
        {
            await ok.SendMessageAsync("123456789012");
            (await ok.ReceiveMessageAsync().Within()).ShouldBe(("12", true));
        }
        await using var over = await RawTcp.ConnectAsync(server.Port);
        await over.SendAsync(EchoFrameCodec.Encode("1234567890123"));
        (await over.ClosedByPeerAsync()).ShouldBeTrue();
        (await server.Logs.WaitForAsync("rejected:")).ShouldContain("payload_length is 13, expected at most 12 bytes");
    }

    [Fact]
    public async Task Invalid_utf8_is_rejected_naming_the_payload()
    {
        await using var server = EchoTestServer.Start();
        await using var peer = await RawTcp.ConnectAsync(server.Port);
        await peer.SendAsync(new byte[] { 0, 0, 0, 2, 0xC3, 0x28 });
        (await peer.ClosedByPeerAsync()).ShouldBeTrue();
        (await server.Logs.WaitForAsync("rejected:")).ShouldContain("payload is not valid UTF-8 at byte 0");
    }

    [Fact]
    public async Task A_client_closing_mid_message_is_logged_and_the_server_goes_on()
    {
        await using var server = EchoTestServer.Start();
        await using (var peer = await RawTcp.ConnectAsync(server.Port))
        {
            await peer.SendAsync(new byte[] { 0, 0, 0, 50, (byte)'x' });
        }
        (await server.Logs.WaitForAsync("rejected:")).ShouldContain("connection closed after 5 bytes of an incomplete EchoMessage");
    }

    [Fact]
    public async Task A_stalled_message_is_closed_by_the_gap_rule_while_idle_connections_are_left_alone()
    {
        await using var server = EchoTestServer.Start(options: new EchoServerOptions { Limits = new() { GapTimeout = TimeSpan.FromMilliseconds(200) } });
        await using var idle = await RawTcp.ConnectAsync(server.Port);
        await using var stalled = await RawTcp.ConnectAsync(server.Port);
        await stalled.SendAsync(new byte[] { 0, 0, 0, 20, (byte)'x' });

        (await stalled.ClosedByPeerAsync()).ShouldBeTrue();
        (await server.Logs.WaitForAsync("rejected:")).ShouldContain("no progress for 0.2 s (gap rule)");

        await idle.SendAsync(EchoFrameCodec.Encode("idle for a while, still served"));
        var expected = ReplyFrame("idle for a while, still served");
        (await idle.ReadExactlyAsync(expected.Length)).ShouldBe(expected);
    }

    [Fact]
    public async Task A_silent_client_does_not_delay_another()
    {
        await using var server = EchoTestServer.Start();
        await using var silent = await RawTcp.ConnectAsync(server.Port);
        await silent.SendAsync(new byte[] { 0, 0, 0, 100 });

        await using var client = await BufferedClient.ConnectAsync("127.0.0.1", server.Port, 64);
        await client.SendMessageAsync("served while another waits");
        (await client.ReceiveMessageAsync().Within(TimeSpan.FromSeconds(0.9))).ShouldBe(("le another waits", true));
    }

    [Fact]
    public async Task Clients_are_served_concurrently()
    {
        await using var server = EchoTestServer.Start();
        var clients = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => BufferedClient.ConnectAsync("127.0.0.1", server.Port, 64)));
        try
        {
            await Deadline.Until(() => server.Server.ActiveConnections == 20, "20 connections open at once");
            await Task.WhenAll(clients.Select(async (c, i) =>
            {
                var message = $"client number {i:D3} says hello";
                await c.SendMessageAsync(message);
                (await c.ReceiveMessageAsync()).ShouldBe((message[10..], true));
            })).Within();
        }
        finally
        {
            foreach (var c in clients)
            {
                c.Shutdown();
            }
        }
    }

    [Fact]
    public async Task One_connection_over_the_limit_is_closed_and_logged()
    {
        await using var server = EchoTestServer.Start(options: new EchoServerOptions { MaxConnections = 1 });
        var first = server.Connect();
        await Deadline.Until(() => server.Server.ActiveConnections == 1, "first connection admitted");

        await using (var second = await RawTcp.ConnectAsync(server.Port))
        {
            (await second.ClosedByPeerAsync()).ShouldBeTrue();
        }
        (await server.Logs.WaitForAsync("refused")).ShouldContain("echo is serving its limit of 1 connection");

        first.Shutdown();
        await Deadline.Until(() => server.Server.ActiveConnections == 0, "first connection gone");
        using var third = server.Connect();
        await third.SendMessageAsync("room again for one more");
        (await third.ReceiveMessageAsync().Within()).ShouldBe((" for one more", true));
    }

    [Fact]
    public async Task KeepRunning_false_returns_promptly_while_blocked_in_accept()
    {
        var server = new BufferedServer("127.0.0.1", 0, 64);
        var start = OnThread.Run(server.Start);
        server.KeepRunning.ShouldBeTrue();

        var stopwatch = Stopwatch.StartNew();
        server.KeepRunning = false;
        await start.Within(TimeSpan.FromSeconds(1.5));
        stopwatch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));

        // Start has released the listening socket: nothing accepts any more.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        (await Should.ThrowAsync<SocketException>(() => probe.ConnectAsync(IPAddress.Loopback, server.Port).Within()))
            .SocketErrorCode.ShouldBe(SocketError.ConnectionRefused);
        server.Shutdown();
    }

    [Fact]
    public async Task KeepRunning_false_returns_promptly_while_blocked_in_receive()
    {
        await using var server = EchoTestServer.Start(blocking: true);
        using var client = server.Connect();
        client.SendMessage("make sure the session is waiting in receive");
        (await OnThread.Run(client.ReceiveMessage).Within()).Success.ShouldBeTrue();
        var partial = await RawTcp.ConnectAsync(server.Port);
        await partial.SendAsync(new byte[] { 0, 0, 0, 9, (byte)'h' });

        var stopwatch = Stopwatch.StartNew();
        server.Server.KeepRunning = false;
        await server.Run.Within(TimeSpan.FromSeconds(1.5));
        stopwatch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(1));

        (await OnThread.Run(client.ReceiveMessage).Within()).ShouldBe((string.Empty, false));
        (await partial.ClosedByPeerAsync()).ShouldBeTrue();
        await partial.DisposeAsync();
        await server.Logs.WaitForAsync("closed by server stop");
    }

    [Fact]
    public async Task KeepRunning_false_before_start_makes_start_return_at_once()
    {
        using var server = new BufferedServer("127.0.0.1", 0, 64) { KeepRunning = false };
        await OnThread.Run(server.Start).Within(TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task Cancelling_RunAsync_stops_it_and_a_stopped_server_cannot_restart()
    {
        using var cts = new CancellationTokenSource();
        await using var server = new BufferedServer("127.0.0.1", 0, 64);
        var run = server.RunAsync(cts.Token);
        Should.Throw<InvalidOperationException>(() => server.Start()).Message.ShouldContain("already running");

        await cts.CancelAsync();
        await run.Within(TimeSpan.FromSeconds(1.5));
        Should.Throw<InvalidOperationException>(() => server.Start()).Message.ShouldContain("has stopped");
    }

    [Fact]
    public async Task Shutdown_releases_every_socket_and_ends_a_running_server()
    {
        var server = new BufferedServer("127.0.0.1", 0, 64);
        var run = server.RunAsync();
        using var client = new BufferedClient("127.0.0.1", server.Port, 64);
        await client.SendMessageAsync("connected before shutdown");
        (await client.ReceiveMessageAsync().Within()).Success.ShouldBeTrue();

        server.Shutdown();
        server.Shutdown();

        await run.Within(TimeSpan.FromSeconds(1.5));
        (await client.ReceiveMessageAsync().Within()).ShouldBe((string.Empty, false));
        using var rebind = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        rebind.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        rebind.Bind(new IPEndPoint(IPAddress.Loopback, server.Port));
        Should.Throw<ObjectDisposedException>(() => server.Start());
    }

    [Fact]
    public async Task All_interfaces_by_default_accepts_ipv4_and_ipv6_clients()
    {
        await using var server = new BufferedServer("", 0, 64);
        var run = server.RunAsync();
        using (var v4 = new BufferedClient("127.0.0.1", server.Port, 64))
        {
            await v4.SendMessageAsync("over IPv4 loopback");
            (await v4.ReceiveMessageAsync().Within()).ShouldBe(("loopback", true));
        }
        if (Socket.OSSupportsIPv6)
        {
            using var v6 = new BufferedClient("::1", server.Port, 64);
            await v6.SendMessageAsync("over IPv6 loopback");
            (await v6.ReceiveMessageAsync().Within()).ShouldBe(("loopback", true));
        }
        server.KeepRunning = false;
        await run.Within();
    }

    [Fact]
    public void A_port_in_use_is_a_clear_start_error()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;

        var error = Should.Throw<ServerStartException>(() => new BufferedServer("127.0.0.1", port, 64));
        error.Message.ShouldBe($"cannot listen (echo on 127.0.0.1 port {port}): address already in use");
    }

    [Fact]
    public void Bad_arguments_name_the_argument_and_value()
    {
        Should.Throw<ServerStartException>(() => new BufferedServer("no-such-host.invalid", 0, 64)).Message.ShouldContain("'no-such-host.invalid'");
        Should.Throw<ArgumentOutOfRangeException>(() => new BufferedServer("127.0.0.1", 0, 0)).Message.ShouldContain("bufferSize must be 1-1048576 bytes, got 0");
        Should.Throw<ArgumentOutOfRangeException>(() => new BufferedServer("127.0.0.1", 70000, 64)).ParamName.ShouldBe("port");
        Should.Throw<ArgumentOutOfRangeException>(() => new BufferedServer("127.0.0.1", 0, 64, new EchoServerOptions { MaxConnections = 0 }))
            .Message.ShouldContain("MaxConnections must be at least 1, got 0");
    }

    [Fact]
    public async Task A_host_name_bind_address_is_resolved()
    {
        await using var server = new BufferedServer("localhost", 0, 64);
        IPAddress.IsLoopback(server.LocalEndPoint.Address).ShouldBeTrue();
    }
}
