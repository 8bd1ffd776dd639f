using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Mailbox;

public sealed class MailboxServerTests
{
    [Fact]
    public async Task Create_then_read_returns_the_handout_response_and_empties_the_mailbox()
    {
        await using var server = await MailboxTestServer.StartAsync();
        await server.CreateAsync("al", "bob", "hey");

        var bytes = await server.ReadRawAsync("bob");
        bytes.ShouldBe(new byte[] { 0xAE, 0x73, 3, 1, 0, 2, 0, 3, (byte)'a', (byte)'l', (byte)'h', (byte)'e', (byte)'y' });
        (await server.ReadRawAsync("bob")).ShouldBe(new byte[] { 0xAE, 0x73, 3, 0, 0 });
        await server.Logs.WaitForAsync("create: stored a message from 'al' for 'bob'");
        await server.Logs.WaitForAsync("read: sent 1 message to 'bob'");
    }

    [Fact]
    public async Task Messages_come_back_first_in_first_out_with_utf8_names()
    {
        await using var server = await MailboxTestServer.StartAsync();
        await server.CreateAsync("Zoë", "Łukasz", "first ☃");
        await server.CreateAsync("Ωmega", "Łukasz", "second 🎉");
        await server.CreateAsync("Zoë", "Łukasz", "third");

        var (header, messages) = await server.ReadAsync("Łukasz");
        header.MoreMessages.ShouldBeFalse();
        messages.ShouldBe([new("Zoë", "first ☃"), new("Ωmega", "second 🎉"), new("Zoë", "third")]);
    }

    [Fact]
    public async Task Three_hundred_messages_arrive_as_255_with_MoreMsgs_then_45()
    {
        await using var server = await MailboxTestServer.StartAsync();
        for (var i = 0; i < 300; i++)
        {
            await server.Store.AppendAsync("bob", new MailboxMessage("al", $"m{i}"), CancellationToken.None);
        }

        var first = await server.ReadAsync("bob");
        first.Header.ShouldBe(new MessageResponseHeader(255, true));
        first.Messages.Select(m => m.Text).ShouldBe(Enumerable.Range(0, 255).Select(i => $"m{i}"));

        var second = await server.ReadAsync("bob");
        second.Header.ShouldBe(new MessageResponseHeader(45, false));
        second.Messages.Select(m => m.Text).ShouldBe(Enumerable.Range(255, 45).Select(i => $"m{i}"));
        (await server.Store.CountAsync("bob", CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task A_request_sent_one_byte_at_a_time_is_served()
    {
        await using var server = await MailboxTestServer.StartAsync(limits: new TransportLimits { GapTimeout = TimeSpan.FromSeconds(2) });
        await using (var tcp = await RawTcp.ConnectAsync(server.Port))
        {
            await tcp.SendByteByByteAsync(MessageRequestCodec.Encode(MessageRequest.Create("slow", "bob", "one byte at a time")));
            (await tcp.ReadToEndAsync()).ShouldBeEmpty();
        }
        (await server.ReadAsync("bob")).Messages.ShouldBe([new("slow", "one byte at a time")]);
    }

    [Fact]
    public async Task A_client_that_half_closes_after_its_read_request_still_gets_the_response()
    {
        await using var server = await MailboxTestServer.StartAsync();
        await server.CreateAsync("al", "bob", "hi");
        await using var tcp = await RawTcp.ConnectAsync(server.Port);
        await tcp.SendAsync(MessageRequestCodec.Encode(MessageRequest.Read("bob")));
        tcp.ShutdownSend();
        (await tcp.ReadToEndAsync()).Length.ShouldBe(5 + 3 + 2 + 2);
    }

    /// <summary>Each malformed request: closed with nothing sent, reason logged, store untouched.</summary>
    [Theory]
    [InlineData(new byte[] { 0x12, 0x34, 1, 1, 0, 0, 0, (byte)'a' }, "MagicNo is 0x1234")]
    [InlineData(new byte[] { 0xAE, 0x73, 9, 1, 0, 0, 0, (byte)'a' }, "ID is 9")]
    [InlineData(new byte[] { 0xAE, 0x73, 1, 0, 0, 0, 0 }, "NameLen is 0")]
    [InlineData(new byte[] { 0xAE, 0x73, 1, 1, 1, 0, 0, (byte)'a', (byte)'b' }, "ReceiverLen is 1, expected 0 for a read request")]
    [InlineData(new byte[] { 0xAE, 0x73, 1, 1, 0, 0, 1, (byte)'a', (byte)'m' }, "MessageLen is 1, expected 0 for a read request")]
    [InlineData(new byte[] { 0xAE, 0x73, 2, 1, 0, 0, 1, (byte)'a', (byte)'m' }, "ReceiverLen is 0, expected at least 1")]
    [InlineData(new byte[] { 0xAE, 0x73, 2, 1, 1, 0, 0, (byte)'a', (byte)'b' }, "MessageLen is 0, expected at least 1")]
    [InlineData(new byte[] { 0xAE, 0x73, 2, 1, 1, 0, 1, (byte)'a', (byte)'b', 0xFF }, "Message is not valid UTF-8")]
    [InlineData(new byte[] { 0xAE, 0x73, 1, 1, 0, 0, 0, (byte)'a', 0xAE, 0x73 }, "2 bytes more than NameLen + ReceiverLen + MessageLen announced")]
    public async Task Malformed_requests_are_logged_and_closed_without_a_response(byte[] request, string logged)
    {
        await using var server = await MailboxTestServer.StartAsync();
        await server.Store.AppendAsync("a", new MailboxMessage("x", "kept"), CancellationToken.None);
        await using (var tcp = await RawTcp.ConnectAsync(server.Port))
        {
            await tcp.SendAsync(request);
            (await tcp.ReadToEndAsync()).ShouldBeEmpty();
        }
        (await server.Logs.WaitForAsync(logged)).ShouldContain("rejected");
        (await server.Store.CountAsync("a", CancellationToken.None)).ShouldBe(1);
        (await server.Store.CountAsync("b", CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task A_request_that_ends_early_is_rejected()
    {
        await using var server = await MailboxTestServer.StartAsync();
        await using var tcp = await RawTcp.ConnectAsync(server.Port);
        await tcp.SendAsync(new byte[] { 0xAE, 0x73, 2, 3, 3, 0, 5, (byte)'a', (byte)'l' });
        tcp.ShutdownSend();
        (await tcp.ReadToEndAsync()).ShouldBeEmpty();
        await server.Logs.WaitForAsync("connection closed after 9 bytes of an incomplete MessageRequest");
    }

    [Fact]
    public async Task A_stall_longer_than_the_gap_is_rejected()
    {
        await using var server = await MailboxTestServer.StartAsync();
        await using var tcp = await RawTcp.ConnectAsync(server.Port);
        await tcp.SendAsync(new byte[] { 0xAE, 0x73, 2, 3 });
        (await tcp.ClosedByPeerAsync()).ShouldBeTrue();
        (await server.Logs.WaitForAsync("no progress for 0.3 s")).ShouldContain("reading MessageRequest");
    }

    [Fact]
    public async Task A_silent_connection_is_cut_off_by_the_gap_rule()
    {
        await using var server = await MailboxTestServer.StartAsync();
        await using var tcp = await RawTcp.ConnectAsync(server.Port);
        (await tcp.ClosedByPeerAsync()).ShouldBeTrue();
        await server.Logs.WaitForAsync("gap rule");
    }

    [Fact]
    public async Task A_trickle_within_the_gap_is_still_bounded_by_the_request_deadline()
    {
        var limits = new TransportLimits { GapTimeout = TimeSpan.FromMilliseconds(400), RequestTimeout = TimeSpan.FromMilliseconds(800) };
        await using var server = await MailboxTestServer.StartAsync(limits: limits);
        await using var tcp = await RawTcp.ConnectAsync(server.Port);
        var request = MessageRequestCodec.Encode(MessageRequest.Create("trickle", "bob", "this takes far too long"));
        var closed = tcp.ClosedByPeerAsync();
        foreach (var b in request)
        {
            if (closed.IsCompleted)
            {
                break;
            }
            try
            {
                await tcp.SendAsync(new[] { b });
            }
            catch (System.Net.Sockets.SocketException)
            {
                break;
            }
            // Paces the trickle below the gap: the point of this test is a peer that never stalls long enough to trip it.
            await Task.WhenAny(closed, Task.Delay(150));
        }
        (await closed).ShouldBeTrue();
        await server.Logs.WaitForAsync("not complete within 0.8 s");
        (await server.Store.CountAsync("bob", CancellationToken.None)).ShouldBe(0);
    }

    [Fact]
    public async Task Undelivered_messages_are_kept_when_the_reader_stops_reading()
    {
        await using var server = await MailboxTestServer.StartAsync();
        var big = new string('x', 65000);
        for (var i = 0; i < 255; i++)
        {
            await server.Store.AppendAsync("bob", new MailboxMessage("al", big), CancellationToken.None);
        }
        await using (var tcp = await RawTcp.ConnectAsync(server.Port))
        {
            tcp.Socket.ReceiveBufferSize = 4096;
            await tcp.SendAsync(MessageRequestCodec.Encode(MessageRequest.Read("bob")));
            // Never reads: ~16 MiB cannot fit in the socket buffers, so the server's write stalls.
            await server.Logs.WaitForAsync("writing MessageResponse: no progress");
        }
        (await server.Store.CountAsync("bob", CancellationToken.None)).ShouldBe(255);
        var (header, messages) = await server.ReadAsync("bob");
        header.NumItems.ShouldBe(255);
        messages.ShouldAllBe(m => m.Text == big);
    }

    [Fact]
    public async Task A_hundred_silent_connections_do_not_delay_a_normal_request()
    {
        // Long gap, so the silent peers are still connected while the real request is served.
        var limits = new TransportLimits { GapTimeout = TimeSpan.FromSeconds(20), RequestTimeout = TimeSpan.FromSeconds(30) };
        await using var server = await MailboxTestServer.StartAsync(limits: limits);
        var silent = new List<RawTcp>();
        try
        {
            for (var i = 0; i < 100; i++)
            {
                var tcp = await RawTcp.ConnectAsync(server.Port);
                silent.Add(tcp);
                await tcp.SendAsync(new byte[] { 0xAE }); // a started, never-finished request
            }
            await server.CreateAsync("al", "bob", "through the crowd").Within(TimeSpan.FromSeconds(3));
            (await server.ReadAsync("bob").Within(TimeSpan.FromSeconds(3))).Messages.Single().Text.ShouldBe("through the crowd");
            silent.ShouldAllBe(s => s.Socket.Connected);
        }
        finally
        {
            foreach (var s in silent)
            {
                await s.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Concurrent_creates_and_reads_lose_nothing_duplicate_nothing_and_keep_each_senders_order()
    {
        await using var server = await MailboxTestServer.StartAsync(limits: new TransportLimits { GapTimeout = TimeSpan.FromSeconds(5) });
        const int senders = 10, perSender = 30;
        var received = new System.Collections.Concurrent.ConcurrentQueue<MailboxMessage>();
        var creating = Enumerable.Range(0, senders).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < perSender; i++)
            {
                await server.CreateAsync($"s{s}", "bob", $"{i}");
            }
        })).ToArray();
        var stop = Task.WhenAll(creating);
        var reading = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCompleted)
            {
                foreach (var m in (await server.ReadAsync("bob")).Messages)
                {
                    received.Enqueue(m);
                }
            }
        })).ToArray();
        await stop.Within();
        await Task.WhenAll(reading).Within();
        foreach (var m in (await server.ReadAsync("bob")).Messages)
        {
            received.Enqueue(m);
        }

        received.Count.ShouldBe(senders * perSender);
        received.Distinct().Count().ShouldBe(senders * perSender);
        // Readers run concurrently, so order is checked per read batch via the store's FIFO: per sender,
        // the numbers each reader saw must be increasing.
        foreach (var group in received.GroupBy(m => m.Sender))
        {
            group.Select(m => int.Parse(m.Text)).Order().ShouldBe(Enumerable.Range(0, perSender));
        }
    }

    [Fact]
    public async Task Each_read_batch_preserves_each_senders_order()
    {
        await using var server = await MailboxTestServer.StartAsync(limits: new TransportLimits { GapTimeout = TimeSpan.FromSeconds(5) });
        await Task.WhenAll(Enumerable.Range(0, 5).Select(s => Task.Run(async () =>
        {
            for (var i = 0; i < 40; i++)
            {
                await server.CreateAsync($"s{s}", "bob", $"{i}");
            }
        }))).Within();
        var (_, messages) = await server.ReadAsync("bob");
        messages.Count.ShouldBe(200);
        foreach (var group in messages.GroupBy(m => m.Sender))
        {
            group.Select(m => int.Parse(m.Text)).ShouldBe(Enumerable.Range(0, 40));
        }
    }

    [Fact]
    public async Task Messages_survive_a_restart_on_the_same_sqlite_file()
    {
        using var dir = new TempDirectory();
        var path = Path.Combine(dir.Path, "mailbox.db");
        await using (var store = await SqliteMailboxStore.OpenAsync(path))
        await using (var server = await MailboxTestServer.StartAsync(store))
        {
            await server.CreateAsync("al", "bob", "still here after restart");
            await server.CreateAsync("al", "bob", "me too");
        }
        await using (var store = await SqliteMailboxStore.OpenAsync(path))
        await using (var server = await MailboxTestServer.StartAsync(store))
        {
            (await server.ReadAsync("bob")).Messages.Select(m => m.Text).ShouldBe(["still here after restart", "me too"]);
        }
    }
}
