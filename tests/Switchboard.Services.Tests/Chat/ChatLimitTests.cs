using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;
using Switchboard.Tests.Shared.Chat;

namespace Switchboard.Services.Tests.Chat;

public sealed class ChatLimitTests
{
    [Fact]
    public async Task Exactly_255_participants_and_255_observers_are_accepted_and_the_256th_of_each_is_full()
    {
        await using var server = await ChatTestServer.StartAsync();
        var peers = new List<ChatPeer>();
        try
        {
            foreach (var port in new[] { server.Port, server.ObserverPort })
            {
                var batch = await Task.WhenAll(Enumerable.Range(0, 255).Select(_ => ChatPeer.AcceptedAsync(port)));
                peers.AddRange(batch);
            }
            foreach (var port in new[] { server.Port, server.ObserverPort })
            {
                await using var extra = await ChatPeer.ConnectAsync(port);
                (await extra.ReceiveUntilClosedAsync()).ShouldBe([ChatCodes.Full]);
            }
            // A place frees when someone leaves.
            await peers[0].DisposeAsync();
            await server.Logs.WaitForAsync("disconnected");
            await using var next = await ChatPeer.AcceptedAsync(server.Port);
        }
        finally
        {
            foreach (var peer in peers)
            {
                await peer.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_limits_can_be_raised_or_lowered()
    {
        await using var server = await ChatTestServer.StartAsync(new ChatServerOptions { MaxParticipants = 1, MaxObservers = 0 });
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await ChatPeer.ConnectAsync(server.Port);
        (await bob.ReceiveUntilClosedAsync()).ShouldBe([ChatCodes.Full]);
        await using var eye = await ChatPeer.ConnectAsync(server.ObserverPort);
        (await eye.ReceiveUntilClosedAsync()).ShouldBe([ChatCodes.Full]);
    }

    [Fact]
    public async Task Beyond_the_rate_limit_messages_are_dropped_and_the_sender_told()
    {
        await using var server = await ChatTestServer.StartAsync(new ChatServerOptions { RateBurst = 3, RatePerSecond = 0.5 });
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        (await alice.ReceiveAsync()).ShouldBe("User bob has joined");
        for (var i = 1; i <= 5; i++)
        {
            await alice.SendAsync($"spam {i}");
        }
        var warning = ChatLines.RateLimited(3, 0.5);
        for (var i = 1; i <= 3; i++)
        {
            (await alice.ReceiveAsync()).ShouldBe(ChatLines.Public("alice", $"spam {i}"));
            (await bob.ReceiveAsync()).ShouldBe(ChatLines.Public("alice", $"spam {i}"));
        }
        (await alice.ReceiveAsync()).ShouldBe(warning);
        (await alice.ReceiveAsync()).ShouldBe(warning);
        // bob's own budget is untouched.
        await bob.SendAsync("calm");
        (await bob.ReceiveAsync()).ShouldBe(ChatLines.Public("bob", "calm"));
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.Public("bob", "calm"));
    }

    [Fact]
    public async Task A_client_that_never_reads_is_cut_off_while_the_others_keep_receiving()
    {
        var options = new ChatServerOptions
        {
            RateBurst = 0,
            Queue = new Transport.Outgoing.OutgoingQueueOptions { MaxQueuedBytes = 64 * 1024, StallTimeout = TimeSpan.FromSeconds(30) },
        };
        await using var server = await ChatTestServer.StartAsync(options);
        await using var talker = await server.JoinAsync("talker");
        await using var reader = await server.JoinAsync("reader");
        await using var sleeper = await ChatPeer.ConnectAsync(server.Port, receiveBuffer: 4096);
        (await sleeper.ReceiveAsync()).ShouldBe(ChatCodes.Accept);
        await sleeper.SendAsync("sleeper");
        (await talker.ReceiveUntilAsync("User sleeper has joined")).ShouldBe(["User reader has joined"]);
        (await reader.ReceiveAsync()).ShouldBe("User sleeper has joined");

        // The sleeper never reads again. The others read every line as it comes (lock-step, so only the sleeper
        // can fall behind) until the server gives up on the sleeper.
        var text = new string('x', 1000);
        var line = ChatLines.Public("talker", text);
        var cutOff = server.Logs.WaitForAsync("slow reader");
        for (var sent = 0; !cutOff.IsCompleted; sent++)
        {
            sent.ShouldBeLessThan(50_000, "the sleeper was never cut off");
            await talker.SendAsync(text);
            (await talker.ReceiveAsync()).ShouldBe(line);
            (await reader.ReceiveAsync()).ShouldBe(line);
        }
        (await cutOff).ShouldContain("sleeper");
        (await reader.ReceiveUntilAsync("User sleeper has left")).ShouldAllBe(f => f == line);
        await talker.SendAsync("still here");
        (await reader.ReceiveAsync()).ShouldBe(ChatLines.Public("talker", "still here"));
        (await talker.ReceiveUntilAsync(ChatLines.Public("talker", "still here"))).ShouldAllBe(f => f == line || f == "User sleeper has left");
    }
}
