using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Chat;

namespace Switchboard.Cli.Tests.Commands.Chat;

public sealed class ChatCommandTests
{
    private static async Task<ChatServer> StartServerAsync(ChatServerOptions? options = null) =>
        await ChatServer.StartAsync((options ?? new ChatServerOptions()) with { Bind = System.Net.IPAddress.Loopback, Port = 0, ObserverPort = 0 }, null, CancellationToken.None);

    [Fact]
    public async Task A_scripted_participant_chooses_a_name_chats_and_leaves_with_exit()
    {
        await using var server = await StartServerAsync();
        await using var bob = await ChatPeer.JoinAsync(server.Port, "bob");
        await using var client = ChatConsoleSession.Start("chat", "client", "--ip", "127.0.0.1", "--port", server.Port.ToString());
        await client.WaitForErrorAsync(ChatConsoleClientPrompt);
        client.Type("much-too-long");
        await client.WaitForErrorAsync("at most 10 are allowed; try again");
        client.Type("has space");
        await client.WaitForErrorAsync("contains whitespace");
        client.Type("BOB");
        await client.WaitForErrorAsync("username BOB is already in use; try another");
        client.Type("alice");
        await client.WaitForErrorAsync("Observer pairing code: ");
        await client.WaitForOutAsync("User alice has joined\n");
        (await bob.ReceiveAsync()).ShouldBe("User alice has joined");

        await bob.SendAsync("hi alice");
        (await bob.ReceiveAsync()).ShouldBe(">        bob: hi alice");
        await client.WaitForOutAsync(">        bob: hi alice\n");
        client.Type("hello bob");
        (await bob.ReceiveAsync()).ShouldBe(">      alice: hello bob");
        client.Type("@bob psst");
        (await bob.ReceiveAsync()).ShouldBe("-      alice: @bob psst");
        client.Type("/who");
        await client.WaitForOutAsync("Participants (2): bob, alice\n");
        client.Type("exit()");
        (await client.ExitCodeAsync()).ShouldBe(0, client.Error);
        (await bob.ReceiveAsync()).ShouldBe("User alice has left");
        client.Out.ShouldBe("User alice has joined\n>        bob: hi alice\n>      alice: hello bob\n-      alice: @bob psst\nParticipants (2): bob, alice\n");
    }

    private const string ChatConsoleClientPrompt = "Enter username, max 10 chars: ";

    [Fact]
    public async Task A_full_server_is_an_error_with_exit_1()
    {
        await using var server = await StartServerAsync(new ChatServerOptions { MaxParticipants = 1 });
        await using var alice = await ChatPeer.AcceptedAsync(server.Port);
        var run = await CliRun.RunAsync("chat", "client", "--ip", "127.0.0.1", "--port", server.Port.ToString()).Within();
        run.ExitCode.ShouldBe(1);
        run.Error.ShouldBe($"error: the chat server at 127.0.0.1 port {server.Port} is full; try again later\n");
    }

    [Fact]
    public async Task The_server_going_away_ends_the_client_with_a_message_and_exit_1()
    {
        var server = await StartServerAsync();
        await using var client = ChatConsoleSession.Start("chat", "client", "--ip", "127.0.0.1", "--port", server.Port.ToString());
        client.Type("alice");
        await client.WaitForOutAsync("User alice has joined");
        await server.DisposeAsync();
        (await client.ExitCodeAsync()).ShouldBe(1);
        client.Error.ShouldContain("is shutting down");
    }

    [Fact]
    public async Task An_observer_pairs_prints_the_stream_and_exits_0_when_its_participant_leaves()
    {
        await using var server = await StartServerAsync();
        var alice = await ChatPeer.JoinAsync(server.Port, "alice");
        await using var observer = ChatConsoleSession.Start("chat", "client", "--ip", "127.0.0.1", "--port", server.Port.ToString(),
            "--observer", "--observer-port", server.ObserverPort.ToString());
        await observer.WaitForErrorAsync("Participant to observe: ");
        observer.Type("alice");
        observer.Type("ZZZZZZ" == alice.Code ? "YYYYYY" : "ZZZZZZ");
        await observer.WaitForErrorAsync("no active participant alice with that pairing code");
        observer.Type("alice");
        observer.Type(alice.Code);
        await observer.WaitForErrorAsync("observing alice");
        (await alice.ReceiveAsync()).ShouldBe(ChatLines.ObserverJoined);
        await alice.SendAsync("for my observer");
        await observer.WaitForOutAsync(">      alice: for my observer\n");
        await alice.DisposeAsync();
        (await observer.ExitCodeAsync()).ShouldBe(0, observer.Error);
        observer.Out.ShouldEndWith("User alice has left\n");
    }

    [Fact]
    public async Task The_server_requires_ip_and_port()
    {
        var run = await CliRun.RunAsync("chat", "server", "--port", "8021");
        run.ExitCode.ShouldBe(2);
        run.Error.ShouldContain("--ip");
        var bad = await CliRun.RunAsync("chat", "server", "--ip", "not-an-ip", "--port", "8021");
        bad.ExitCode.ShouldBe(2);
        bad.Error.ShouldContain("--ip 'not-an-ip' is not an IP address");
    }

    [Fact]
    public async Task The_server_command_serves_until_shutdown()
    {
        int port = FreePort.OnLoopback(), observers = FreePort.OnLoopback();
        using var shutdown = new CancellationTokenSource();
        var run = CliRun.WithInputAsync(string.Empty, shutdown.Token, "chat", "server", "--ip", "127.0.0.1", "--port", port.ToString(),
            "--observer-port", observers.ToString(), "--max-participants", "2", "--rate-burst", "1", "--rate-limit", "0.1", "--quiet");
        ChatPeer? alice = null;
        await Deadline.Until(() =>
        {
            try
            {
                alice = ChatPeer.JoinAsync(port, "alice").GetAwaiter().GetResult();
                return true;
            }
            catch (System.Net.Sockets.SocketException)
            {
                return false;
            }
        }, "the chat server listening");
        await using (alice!)
        {
            await alice!.SendAsync("one");
            (await alice.ReceiveAsync()).ShouldBe(">      alice: one");
            await alice.SendAsync("two");
            (await alice.ReceiveAsync()).ShouldBe(ChatLines.RateLimited(1, 0.1));
            await using var eye = await ChatPeer.ObserveAsync(observers, alice);
            await shutdown.CancelAsync();
            (await alice.ReceiveUntilClosedAsync()).ShouldBe([ChatLines.ObserverJoined, ChatCodes.ServerShutdown]);
        }
        (await run.Within()).ExitCode.ShouldBe(0);
    }
}
