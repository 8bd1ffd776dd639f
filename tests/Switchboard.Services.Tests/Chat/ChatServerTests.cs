using System.Diagnostics;
using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;
using Switchboard.Tests.Shared.Chat;

namespace Switchboard.Services.Tests.Chat;

public sealed class ChatServerTests
{
    [Fact]
    public async Task A_participant_is_accepted_named_and_announced_with_exact_bytes()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await ChatPeer.ConnectAsync(server.Port);
        (await alice.ReceiveBytesAsync()).ShouldBe("\0\0\0\u0006accept"u8.ToArray());
        await alice.SendRawAsync("\0\0\0\u0005alice"u8.ToArray());
        (await alice.ReceiveBytesAsync()).ShouldBe("\0\0\0\u0011username-accepted"u8.ToArray());
        ChatCodes.TryParsePairingCode(await alice.ReceiveAsync(), out _).ShouldBeTrue();
        (await alice.ReceiveBytesAsync()).ShouldBe("\0\0\0\u0015User alice has joined"u8.ToArray());

        await using var thanos = await server.JoinAsync("Thanos");
        (await alice.ReceiveAsync()).ShouldBe("User Thanos has joined");
        await thanos.SendAsync("Hello");
        var expected = "\0\0\0\u0013>     Thanos: Hello"u8.ToArray();
        (await alice.ReceiveBytesAsync()).ShouldBe(expected);
        (await thanos.ReceiveBytesAsync()).ShouldBe(expected);

        await alice.SendAsync("@thanos hi");
        var privately = "\0\0\0\u0018-      alice: @thanos hi"u8.ToArray();
        (await thanos.ReceiveBytesAsync()).ShouldBe(privately);
        (await alice.ReceiveBytesAsync()).ShouldBe(privately);
        server.Server.Metrics.Participants.ShouldBe(2);
        server.Server.Room.ActiveParticipants.ShouldBe(2);
    }

    [Fact]
    public async Task Username_rules_each_get_their_code_and_the_connection_stays_open()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var peer = await ChatPeer.AcceptedAsync(server.Port);
        foreach (var (name, code) in new[]
        {
            ("abcdefghijk", ChatCodes.UsernameInvalid),
            ("bad name", ChatCodes.UsernameInvalid),
            ("tab\tname", ChatCodes.UsernameInvalid),
            (string.Empty, ChatCodes.UsernameInvalid),
            ("alice", ChatCodes.UsernameInUse),
            ("ALICE", ChatCodes.UsernameInUse),
        })
        {
            await peer.SendAsync(name);
            (await peer.ReceiveAsync()).ShouldBe(code, $"for '{name}'");
        }
        await peer.SendAsync("😀😀😀😀😀😀😀😀😀😀");
        (await peer.ReceiveAsync()).ShouldBe(ChatCodes.UsernameAccepted);
        (await alice.ReceiveAsync()).ShouldBe("User 😀😀😀😀😀😀😀😀😀😀 has joined");
    }

    [Fact]
    public async Task The_username_timer_restarts_after_each_refused_try()
    {
        var timeout = TimeSpan.FromSeconds(1.5);
        await using var server = await ChatTestServer.StartAsync(new ChatServerOptions { UsernameTimeout = timeout });
        await using var peer = await ChatPeer.AcceptedAsync(server.Port);
        // Time passing is the point here: try again when most of the first period has gone.
        await Task.Delay(TimeSpan.FromSeconds(1));
        await peer.SendAsync("much-too-long-name");
        (await peer.ReceiveAsync()).ShouldBe(ChatCodes.UsernameInvalid);
        var refused = Stopwatch.StartNew();
        (await peer.ReceiveAsync()).ShouldBe(ChatCodes.UsernameTimeout);
        refused.Elapsed.ShouldBeGreaterThan(timeout - TimeSpan.FromMilliseconds(200));
        (await peer.ReceiveUntilClosedAsync()).ShouldBeEmpty();
        await server.Logs.WaitForAsync("no username accepted within 1.5 s");
    }

    [Fact]
    public async Task Connections_choosing_at_different_times_each_time_out_on_their_own_deadline()
    {
        // The deadlines share one room timer: the later connection must not be cut early with the earlier one.
        var timeout = TimeSpan.FromSeconds(1);
        await using var server = await ChatTestServer.StartAsync(new ChatServerOptions { UsernameTimeout = timeout });
        await using var first = await ChatPeer.AcceptedAsync(server.Port);
        var firstWaiting = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(0.5));
        await using var second = await ChatPeer.AcceptedAsync(server.Port);
        var secondWaiting = Stopwatch.StartNew();
        (await first.ReceiveAsync()).ShouldBe(ChatCodes.UsernameTimeout);
        firstWaiting.Elapsed.ShouldBeGreaterThan(timeout - TimeSpan.FromMilliseconds(200));
        (await second.ReceiveAsync()).ShouldBe(ChatCodes.UsernameTimeout);
        secondWaiting.Elapsed.ShouldBeGreaterThan(timeout - TimeSpan.FromMilliseconds(200));
    }

    [Fact]
    public async Task A_participant_named_in_time_is_not_cut_when_its_naming_deadline_passes()
    {
        var timeout = TimeSpan.FromSeconds(1);
        await using var server = await ChatTestServer.StartAsync(new ChatServerOptions { UsernameTimeout = timeout });
        await using var alice = await server.JoinAsync("alice");
        var joinedAt = Stopwatch.StartNew();
        // Well past the naming deadline, alice is still in the room and can talk.
        await Task.Delay(timeout + TimeSpan.FromSeconds(0.5));
        await alice.SendAsync("still here");
        (await alice.ReceiveAsync()).ShouldEndWith("alice: still here");
        joinedAt.Elapsed.ShouldBeGreaterThan(timeout);
    }

    [Fact]
    public async Task Leaving_is_announced_to_everyone_and_frees_the_name()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        var bob = await server.JoinAsync("bob");
        (await alice.ReceiveAsync()).ShouldBe("User bob has joined");
        await bob.DisposeAsync();
        (await alice.ReceiveAsync()).ShouldBe("User bob has left");
        await using var bob2 = await server.JoinAsync("BOB");
        (await alice.ReceiveAsync()).ShouldBe("User BOB has joined");
    }

    [Fact]
    public async Task Nobody_hears_of_a_participant_that_never_chose_a_name()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        var anonymous = await ChatPeer.AcceptedAsync(server.Port);
        await anonymous.DisposeAsync();
        await server.Logs.WaitForAsync("disconnected");
        await using var bob = await server.JoinAsync("bob");
        (await alice.ReceiveAsync()).ShouldBe("User bob has joined");
    }

    [Fact]
    public async Task Messages_of_1000_characters_are_delivered_and_1001_are_not()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        (await alice.ReceiveAsync()).ShouldBe("User bob has joined");
        var longest = string.Concat(Enumerable.Repeat("é", 1000));
        await alice.SendAsync(longest + "x");
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.TooLong(1001));
        await alice.SendAsync(longest);
        (await bob.ReceiveAsync()).ShouldBe(ChatLines.Public("alice", longest));
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.Public("alice", longest));
    }

    [Fact]
    public async Task A_frame_too_long_for_any_message_is_refused_from_its_header_and_the_connection_closed()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var mallory = await server.JoinAsync("mallory");
        (await alice.ReceiveAsync()).ShouldBe("User mallory has joined");
        await mallory.SendRawAsync(new byte[] { 0x7F, 0xFF, 0xFF, 0xFF });
        (await mallory.ReceiveUntilClosedAsync()).ShouldBeEmpty();
        (await alice.ReceiveAsync()).ShouldBe("User mallory has left");
        await server.Logs.WaitForAsync("datalen is 2147483647, expected at most 4000 bytes");
    }

    [Fact]
    public async Task Who_lists_active_participants_to_the_asker_alone()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        (await alice.ReceiveAsync()).ShouldBe("User bob has joined");
        await bob.SendAsync("/who");
        (await bob.ReceiveAsync()).ShouldBe("Participants (2): alice, bob");
        await bob.SendAsync("marker");
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.Public("bob", "marker"));
    }

    [Fact]
    public async Task A_peer_sending_one_byte_at_a_time_delays_nobody()
    {
        await using var server = await ChatTestServer.StartAsync();
        await using var alice = await server.JoinAsync("alice");
        await using var slow = await ChatPeer.AcceptedAsync(server.Port);
        var trickle = Task.Run(async () =>
        {
            var bytes = ChatFrameCodec.Encode("slowpoke");
            await slow.SendRawAsync(bytes.AsMemory(0, 2)); // the handout's recv(2) worst case, and then a pause
            await alice.SendAsync("while you type");
            (await alice.ReceiveAsync()).ShouldBe(ChatLines.Public("alice", "while you type"));
            for (var i = 2; i < bytes.Length; i++)
            {
                await slow.SendRawAsync(bytes.AsMemory(i, 1));
            }
        });
        await trickle;
        (await slow.ReceiveAsync()).ShouldBe(ChatCodes.UsernameAccepted);
        (await alice.ReceiveAsync()).ShouldBe("User slowpoke has joined");
        await slow.SendByteByByteAsync("one byte at a time");
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.Public("slowpoke", "one byte at a time"));
    }
}
