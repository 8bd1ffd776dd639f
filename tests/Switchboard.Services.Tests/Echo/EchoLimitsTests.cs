using System.Net;
using System.Net.Sockets;
using Switchboard.Protocol.Echo;
using Switchboard.Services.Echo;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Tests.Echo;

/// <summary>Issue 8 and 10: large frames on the shared host, the memory budget, idle and trickle deadlines, a port in use.</summary>
public sealed class EchoLimitsTests
{
    private static byte[] Header(int length) => [(byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length];

    [Fact]
    public async Task A_message_larger_than_the_transports_1_MiB_read_buffer_is_answered()
    {
        await using var server = EchoTestServer.Start();
        await using var client = await BufferedClient.ConnectAsync("127.0.0.1", server.Port, 65536);
        var message = new string('a', 10) + string.Concat(Enumerable.Repeat("0123456789abcdé😀", 200_000));

        await client.SendMessageAsync(message);

        var (reply, ok) = await client.ReceiveMessageAsync().Within(TimeSpan.FromSeconds(20));
        ok.ShouldBeTrue(client.LastError);
        reply.Length.ShouldBe(message.Length - 10);
        reply.ShouldBe(message[10..]);
    }

    [Fact]
    public async Task A_message_the_memory_budget_cannot_cover_is_refused_and_others_go_on()
    {
        await using var server = EchoTestServer.Start(options: new EchoServerOptions { MaxBufferedBytes = 3_000_000 });
        await using var holder = await RawTcp.ConnectAsync(server.Port);
        await holder.SendAsync((byte[])[.. Header(2_000_000), .. new byte[1000]]);
        await using var refused = await RawTcp.ConnectAsync(server.Port);
        await refused.SendAsync((byte[])[.. Header(2_000_000), 1, 2, 3]);

        (await refused.ClosedByPeerAsync()).ShouldBeTrue();
        (await server.Logs.WaitForAsync("rejected:")).ShouldContain(
            "EchoMessage of 2000000 bytes refused: the server's budget for incomplete frames (3000000 bytes) has 1000000 bytes left");

        using var small = server.Connect();
        await small.SendMessageAsync("small messages need no budget");
        (await small.ReceiveMessageAsync().Within()).ShouldBe(("small messages need no budget"[10..], true));

        await holder.DisposeAsync();
        await Deadline.Until(() => server.Server.ActiveConnections == 1, "the holder's connection ended");
        using var big = server.Connect();
        var message = new string('b', 2_000_000);
        await big.SendMessageAsync(message);
        (await big.ReceiveMessageAsync().Within()).Payload.Length.ShouldBe(2_000_000 - 10, "the holder's reservation came back when it closed");
    }

    [Fact]
    public async Task A_connection_silent_past_the_idle_timeout_is_closed_while_active_ones_stay()
    {
        await using var server = EchoTestServer.Start(options: new EchoServerOptions { Limits = new() { IdleTimeout = TimeSpan.FromMilliseconds(300) } });
        await using var silent = await RawTcp.ConnectAsync(server.Port);
        (await silent.ClosedByPeerAsync()).ShouldBeTrue();
        (await server.Logs.WaitForAsync("rejected:")).ShouldContain("no EchoMessage for 0.3 s (idle timeout)");
    }

    [Fact]
    public async Task A_message_trickled_within_the_gap_rule_still_meets_the_whole_message_deadline()
    {
        await using var server = EchoTestServer.Start(options: new EchoServerOptions
        {
            Limits = new() { GapTimeout = TimeSpan.FromMilliseconds(500), RequestTimeout = TimeSpan.FromMilliseconds(600) },
        });
        await using var trickler = await RawTcp.ConnectAsync(server.Port);
        var frame = EchoFrameCodec.Encode("one byte every 100 ms, for ever");
        var closed = false;
        foreach (var b in frame)
        {
            try
            {
                await trickler.SendAsync(new[] { b });
            }
            catch (SocketException)
            {
                closed = true;
                break;
            }
            var wait = trickler.Socket.ReceiveAsync(new byte[1], SocketFlags.None);
            if (await Task.WhenAny(wait, Task.Delay(100)) == wait)
            {
                closed = true;
                break;
            }
        }
        closed.ShouldBeTrue("the server closed the trickling connection before the message was complete");
        (await server.Logs.WaitForAsync("rejected:")).ShouldContain("reading EchoMessage: not complete within 0.6 s");
    }

    [Fact]
    public async Task Silent_and_trickling_peers_cannot_hold_a_full_server()
    {
        // Issue 10 item 4 in miniature: 5 silent and 5 trickling peers fill a 10-connection server.
        await using var server = EchoTestServer.Start(options: new EchoServerOptions
        {
            MaxConnections = 10,
            // Long enough that all ten are surely in before the first is cut off, even on a loaded machine.
            Limits = new() { IdleTimeout = TimeSpan.FromSeconds(1), GapTimeout = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromSeconds(1.5) },
        });
        var silent = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => RawTcp.ConnectAsync(server.Port)));
        var trickling = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => RawTcp.ConnectAsync(server.Port)));
        using var stop = new CancellationTokenSource();
        var drips = trickling.Select(t => Task.Run(async () =>
        {
            try
            {
                await t.SendAsync(Header(1000));
                while (!stop.IsCancellationRequested)
                {
                    await t.SendAsync(new byte[] { (byte)'x' });
                    await Task.Delay(150, stop.Token);
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
            }
        })).ToArray();
        try
        {
            await Deadline.Until(() => server.Server.ActiveConnections == 10, "the server full of hostile peers");

            await Deadline.Until(() => server.Server.ActiveConnections == 0, "every hostile peer cut off by a deadline", TimeSpan.FromSeconds(8));
            using var client = server.Connect();
            await client.SendMessageAsync("served once they are gone");
            (await client.ReceiveMessageAsync().Within()).ShouldBe(("served once they are gone"[10..], true));
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(drips);
            foreach (var peer in silent.Concat(trickling))
            {
                await peer.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_second_server_on_a_port_in_use_fails_like_the_other_services()
    {
        await using var first = EchoTestServer.Start();
        var error = Should.Throw<ServerStartException>(() => new BufferedServer("127.0.0.1", first.Port, 64));
        error.Message.ShouldBe($"cannot listen (echo on 127.0.0.1 port {first.Port}): address already in use");

        var everywhere = Should.Throw<ServerStartException>(() => new BufferedServer("", first.Port, 64));
        everywhere.Message.ShouldContain("address already in use");

        using var client = first.Connect();
        await client.SendMessageAsync("the first server keeps every client");
        (await client.ReceiveMessageAsync().Within()).ShouldBe(("the first server keeps every client"[10..], true));
    }

    [Fact]
    public void A_port_in_use_by_an_ordinary_listener_is_refused_too()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        Should.Throw<ServerStartException>(() => new BufferedServer("127.0.0.1", port, 64)).Message.ShouldContain("address already in use");
    }
}
