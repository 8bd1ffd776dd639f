using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;
using Switchboard.Tests.Shared.Chat;

namespace Switchboard.Services.Tests.Chat;

public sealed class ChatPrivateAndObserverTests
{
    [Fact]
    public async Task A_private_message_reaches_sender_recipient_and_their_observers_only()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await using var carol = await server.JoinAsync("carol");
        await using var aliceEye = await server.ObserveAsync(alice);
        await using var bobEye = await server.ObserveAsync(bob);
        await using var carolEye = await server.ObserveAsync(carol);

        await alice.SendAsync("@Bob psst");
        var line = "-      alice: @Bob psst";
        foreach (var who in new[] { alice, bob, aliceEye, bobEye })
        {
            // Each skips the joins it saw; the private line is what follows them.
            var skipped = await who.ReceiveUntilAsync(line);
            skipped.ShouldAllBe(f => f.StartsWith("User ", StringComparison.Ordinal) || f == ChatLines.ObserverJoined);
        }
        // The next thing the others receive after the private line is the public marker: they never saw it.
        await alice.SendAsync("marker");
        var marker = ChatLines.Public("alice", "marker");
        foreach (var who in new[] { carol, carolEye })
        {
            var skipped = await who.ReceiveUntilAsync(marker);
            skipped.ShouldAllBe(f => !f.Contains("psst", StringComparison.Ordinal));
        }
        foreach (var who in new[] { alice, bob, aliceEye, bobEye })
        {
            (await who.ReceiveAsync()).ShouldBe(marker);
        }
    }

    [Fact]
    public async Task A_private_message_to_nobody_warns_the_sender_alone()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        (await alice.ReceiveAsync()).ShouldBe("User bob has joined");
        await alice.SendAsync("@Thanos r u there?");
        (await alice.ReceiveAsync()).ShouldBe("Warning: user Thanos doesn't exist...");
        await alice.SendAsync("@bob");
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.MalformedPrivate);
        await alice.SendAsync("marker");
        (await bob.ReceiveAsync()).ShouldBe(ChatLines.Public("alice", "marker"));
    }

    [Fact]
    public async Task Observers_see_the_public_stream_and_cannot_send()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var eye = await server.ObserveAsync(alice);
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.ObserverJoined);
        await using var bob = await server.JoinAsync("bob");
        (await eye.ReceiveAsync()).ShouldBe("User bob has joined");
        await bob.SendAsync("hi all");
        (await eye.ReceiveAsync()).ShouldBe(ChatLines.Public("bob", "hi all"));
        await eye.SendAsync("let me talk");
        (await eye.ReceiveAsync()).ShouldBe(ChatLines.ObserverCannotSend);
        await bob.SendAsync("marker");
        (await alice.ReceiveUntilAsync(ChatLines.Public("bob", "marker"))).ShouldNotContain(f => f.Contains("let me talk", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Pairing_needs_the_right_name_and_code_and_one_observer_per_participant()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var intruder = await ChatPeer.AcceptedAsync(server.ObserverPort);
        var wrong = alice.Code == "AAAAAA" ? "BBBBBB" : "AAAAAA";
        await intruder.SendAsync($"alice {wrong}");
        (await intruder.ReceiveAsync()).ShouldBe(ChatCodes.ObserverInvalid);
        await intruder.SendAsync($"nobody {alice.Code}");
        (await intruder.ReceiveAsync()).ShouldBe(ChatCodes.ObserverInvalid);
        await intruder.SendAsync("garbage");
        (await intruder.ReceiveAsync()).ShouldBe(ChatCodes.ObserverInvalid);
        (await intruder.ReceiveAsync()).ShouldBe(ChatCodes.ObserverRefused);
        (await intruder.ReceiveUntilClosedAsync()).ShouldBeEmpty();

        await using var eye = await ChatPeer.AcceptedAsync(server.ObserverPort);
        await eye.SendAsync($"ALICE {alice.Code.ToLowerInvariant()}");
        (await eye.ReceiveAsync()).ShouldBe(ChatCodes.ObserverAccepted);
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.ObserverJoined);

        await using var second = await ChatPeer.AcceptedAsync(server.ObserverPort);
        await second.SendAsync($"alice {alice.Code}");
        (await second.ReceiveAsync()).ShouldBe(ChatCodes.ObserverInUse);
    }

    [Fact]
    public async Task An_observer_is_closed_after_its_participant_leaves()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var bob = await server.JoinAsync("bob");
        var alice = await server.JoinAsync("alice");
        await using var eye = await server.ObserveAsync(alice);
        await alice.DisposeAsync();
        (await eye.ReceiveUntilClosedAsync()).ShouldBe(["User alice has left"]);
        (await bob.ReceiveUntilAsync("User alice has left")).ShouldBe(["User alice has joined", ChatLines.ObserverJoined]);
        server.Server.Room.PairedObservers.ShouldBe(0);
    }

    [Fact]
    public async Task An_observer_that_never_pairs_is_told_and_closed()
    {
        await using var server = await ChatTestServer.StartAsync(new ChatServerOptions { UsernameTimeout = TimeSpan.FromSeconds(0.5) });
        await using var eye = await ChatPeer.AcceptedAsync(server.ObserverPort);
        (await eye.ReceiveUntilClosedAsync()).ShouldBe([ChatCodes.ObserverRefused]);
    }
}
