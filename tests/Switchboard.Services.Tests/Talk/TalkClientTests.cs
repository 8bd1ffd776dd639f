using System.Net.Sockets;
using Switchboard.Protocol.Talk;
using Switchboard.Services.Talk;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Client;
using static Switchboard.Services.Tests.Talk.Talking;

namespace Switchboard.Services.Tests.Talk;

/// <summary>Our client against our server (both ends scripted) and against a server written like the handout's.</summary>
public sealed class TalkClientTests
{
    [Fact]
    public async Task Both_ends_talk_in_lock_step_and_exit_at_the_client_hangs_up()
    {
        using var op = new TalkParty();
        using var caller = new TalkParty();
        await using var server = await StartServerAsync(op);
        var call = CallAsync(caller, server.Port);
        await caller.Err.WaitForAsync("connected to 127.0.0.1 port");

        await caller.In.TypeAsync("hello server");
        (await op.Out.NextLineAsync()).ShouldBe("hello server");
        caller.Out.Lines.ShouldBeEmpty();
        await op.In.TypeAsync("hello caller");
        (await caller.Out.NextLineAsync()).ShouldBe("hello caller");

        await caller.In.TypeAsync("how are you?");
        (await op.Out.NextLineAsync()).ShouldBe("how are you?");
        await op.In.TypeAsync("fine");
        (await caller.Out.NextLineAsync()).ShouldBe("fine");

        await caller.In.TypeAsync("EXIT");
        (await call.Within()).ShouldBe(TalkClientEnd.HungUp);
        await op.Err.WaitForAsync(" hung up");
        await op.Err.WaitForAsync($"waiting for a caller on port {server.Port}");
        op.Out.Lines.ShouldBe(["hello server", "how are you?"]);
        caller.Out.Lines.ShouldBe(["hello caller", "fine"]);
    }

    [Fact]
    public async Task Long_lines_cross_both_ways_intact()
    {
        using var op = new TalkParty();
        using var caller = new TalkParty();
        await using var server = await StartServerAsync(op);
        var call = CallAsync(caller, server.Port);
        var question = string.Concat(Enumerable.Repeat("question ❓ ", 40_000));
        var answer = string.Concat(Enumerable.Repeat("answer ✅ ", 50_000));

        await caller.In.TypeAsync(question);
        (await op.Out.NextLineAsync()).ShouldBe(question);
        await op.In.TypeAsync(answer);
        (await caller.Out.NextLineAsync()).ShouldBe(answer);
        caller.In.End();
        (await call.Within()).ShouldBe(TalkClientEnd.EndOfInput);
    }

    [Fact]
    public async Task Exit_at_the_server_ends_the_client_with_a_notice_and_the_next_client_is_served()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        using (var first = new TalkParty())
        {
            var call = CallAsync(first, server.Port);
            await first.In.TypeAsync("bye?");
            (await op.Out.NextLineAsync()).ShouldBe("bye?");
            await op.In.TypeAsync("EXIT");
            (await call.Within()).ShouldBe(TalkClientEnd.ServerHungUp);
            await first.Err.WaitForAsync("the server hung up");
            first.Out.Lines.ShouldBeEmpty();
        }

        using var second = new TalkParty();
        var next = CallAsync(second, server.Port);
        await second.In.TypeAsync("my turn");
        (await op.Out.NextLineAsync()).ShouldBe("my turn");
        await op.In.TypeAsync("go ahead");
        (await second.Out.NextLineAsync()).ShouldBe("go ahead");
        await second.In.TypeAsync("EXIT");
        (await next.Within()).ShouldBe(TalkClientEnd.HungUp);
    }

    [Fact]
    public async Task End_of_input_at_the_client_hangs_up_like_exit()
    {
        using var op = new TalkParty();
        using var caller = new TalkParty();
        await using var server = await StartServerAsync(op);
        var call = CallAsync(caller, server.Port);
        await caller.In.TypeAsync("only line");
        (await op.Out.NextLineAsync()).ShouldBe("only line");
        await op.In.TypeAsync("reply");
        (await caller.Out.NextLineAsync()).ShouldBe("reply");
        caller.In.End();
        (await call.Within()).ShouldBe(TalkClientEnd.EndOfInput);
        await caller.Err.WaitForAsync("end of input: hung up");
        await op.Err.WaitForAsync(" hung up");
    }

    [Fact]
    public async Task A_busy_server_is_an_error_naming_the_host()
    {
        using var op = new TalkParty();
        using var first = new TalkParty();
        await using var server = await StartServerAsync(op);
        var call = CallAsync(first, server.Port);
        await op.Err.WaitForAsync("connected; waiting for their line");

        using var second = new TalkParty();
        var busy = await Should.ThrowAsync<LineBusyException>(CallAsync(second, server.Port).Within());
        busy.Message.ShouldBe($"line busy: 127.0.0.1 port {server.Port} is talking to someone else; try again later");
        second.Out.Lines.ShouldBeEmpty();
        // Turned away, the caller hears only that: never first an invitation to type.
        second.Err.Lines.ShouldBeEmpty();

        // The first conversation is undisturbed, and the line is free again afterwards.
        await first.In.TypeAsync("still here");
        (await op.Out.NextLineAsync()).ShouldBe("still here");
        await op.In.TypeAsync("good");
        (await first.Out.NextLineAsync()).ShouldBe("good");
        await first.In.TypeAsync("EXIT");
        await call.Within();
        await op.Err.WaitForAsync($"waiting for a caller on port {server.Port}");

        using var third = new TalkParty();
        var later = CallAsync(third, server.Port);
        await third.In.TypeAsync("free now?");
        (await op.Out.NextLineAsync()).ShouldBe("free now?");
        await op.In.TypeAsync("yes");
        (await third.Out.NextLineAsync()).ShouldBe("yes");
        third.In.End();
        (await later.Within()).ShouldBe(TalkClientEnd.EndOfInput);
    }

    [Fact]
    public async Task The_server_hanging_up_while_the_user_is_typing_is_noticed_at_once()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = CallAsync(caller, handout.Port);
        await using (var accepted = await handout.AcceptAsync())
        {
            await caller.Err.WaitForAsync("connected to");
        }
        // The user never types: the client still notices the close.
        (await call.Within()).ShouldBe(TalkClientEnd.ServerHungUp);
        await caller.Err.WaitForAsync("the server hung up");
    }

    [Fact]
    public async Task A_server_written_like_the_handout_gets_lines_and_its_answers_are_printed()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = CallAsync(caller, handout.Port);
        await using var server = await handout.AcceptAsync();

        await caller.In.TypeAsync("ping ü");
        (await server.ReadLineAsync()).ShouldBe("ping ü");
        // Answer in two pieces, then two answers in one piece: the client still prints whole lines.
        await server.SendAsync("po");
        await server.SendAsync("ng\n");
        (await caller.Out.NextLineAsync()).ShouldBe("pong");

        await caller.In.TypeAsync("again");
        (await server.ReadLineAsync()).ShouldBe("again");
        // A second line beyond lock-step is shown as it comes, as the handout's recv-and-print would.
        await server.SendAsync("first answer\nsecond answer\n");
        (await caller.Out.NextLineAsync()).ShouldBe("first answer");
        (await caller.Out.NextLineAsync()).ShouldBe("second answer");
        await caller.In.TypeAsync("and?");
        (await server.ReadLineAsync()).ShouldBe("and?");
        await server.SendAsync("done\n");
        (await caller.Out.NextLineAsync()).ShouldBe("done");

        await caller.In.TypeAsync("EXIT");
        (await call.Within()).ShouldBe(TalkClientEnd.HungUp);
        // EXIT is not sent: the server sees the connection close.
        (await server.ReadToEndAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_line_arriving_out_of_turn_is_printed_and_the_conversation_goes_on()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = CallAsync(caller, handout.Port);
        await using var server = await handout.AcceptAsync();
        await server.SendAsync("welcome!\n");
        (await caller.Out.NextLineAsync()).ShouldBe("welcome!");
        await caller.In.TypeAsync("thanks");
        (await server.ReadLineAsync()).ShouldBe("thanks");
        await server.SendAsync("you're welcome\n");
        (await caller.Out.NextLineAsync()).ShouldBe("you're welcome");
        caller.In.End();
        await call.Within();
    }

    [Fact]
    public async Task The_server_vanishing_is_a_connection_lost_error()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = CallAsync(caller, handout.Port);
        var server = await handout.AcceptAsync();
        await caller.In.TypeAsync("are you there?");
        (await server.ReadLineAsync()).ShouldBe("are you there?");
        server.Reset();
        var lost = await Should.ThrowAsync<ConnectionLostException>(call.Within());
        lost.Message.ShouldStartWith("connection to 127.0.0.1:");
        lost.Message.ShouldContain("lost");
    }

    [Fact]
    public async Task The_server_closing_mid_line_ends_the_client_with_a_notice()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = CallAsync(caller, handout.Port);
        await using (var server = await handout.AcceptAsync())
        {
            await caller.In.TypeAsync("hi");
            (await server.ReadLineAsync()).ShouldBe("hi");
            await server.SendAsync("hello\n");
            (await caller.Out.NextLineAsync()).ShouldBe("hello");
            await caller.In.TypeAsync("and?");
            (await server.ReadLineAsync()).ShouldBe("and?");
            await server.SendAsync("unfinish");
        }
        (await call.Within()).ShouldBe(TalkClientEnd.ServerHungUp);
        (await caller.Err.WaitForAsync("middle of a line")).ShouldContain("8 bytes");
        caller.Out.Lines.ShouldBe(["hello"]);
    }

    [Fact]
    public async Task A_malformed_answer_is_an_error_naming_the_field()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = TalkClient.RunAsync(new TalkClientOptions("127.0.0.1", handout.Port) { MaxLineBytes = 16 }, caller, CancellationToken.None);
        await using var server = await handout.AcceptAsync();
        await caller.In.TypeAsync("hi");
        await server.ReadLineAsync();
        await server.SendAsync(new string('y', 100));
        var error = await Should.ThrowAsync<Switchboard.Protocol.ProtocolViolationException>(call.Within());
        error.Message.ShouldBe("malformed line: line is more than 16 bytes with no newline yet, expected at most 16 bytes before the newline");
    }

    [Fact]
    public async Task A_typed_line_over_the_limit_is_not_sent_and_the_user_may_try_again()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = TalkClient.RunAsync(new TalkClientOptions("127.0.0.1", handout.Port) { MaxLineBytes = 5 }, caller, CancellationToken.None);
        await using var server = await handout.AcceptAsync();
        await caller.In.TypeAsync("too long");
        (await caller.Err.WaitForAsync("line not sent")).ShouldContain("8 bytes in UTF-8, more than the limit of 5 bytes");
        await caller.In.TypeAsync("ok");
        (await server.ReadLineAsync()).ShouldBe("ok");
        await server.SendAsync("fine\n");
        (await caller.Out.NextLineAsync()).ShouldBe("fine");
        caller.In.End();
        await call.Within();
    }

    [Fact]
    public async Task A_server_sending_exit_is_taken_as_hanging_up()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = CallAsync(caller, handout.Port);
        await using var server = await handout.AcceptAsync();
        await caller.In.TypeAsync("hi");
        await server.ReadLineAsync();
        await server.SendAsync("EXIT\n");
        (await call.Within()).ShouldBe(TalkClientEnd.ServerHungUp);
        await caller.Err.WaitForAsync("the server sent EXIT");
        caller.Out.Lines.ShouldBeEmpty();
    }

    [Fact]
    public async Task Cancelling_hangs_up_and_is_reported_as_cancelled()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        using var cts = new CancellationTokenSource();
        var call = CallAsync(caller, handout.Port, cancellationToken: cts.Token);
        await using var server = await handout.AcceptAsync();
        await caller.Err.WaitForAsync("connected to");
        await cts.CancelAsync();
        // The CLI turns the cancellation into its one Ctrl+C message and exit code.
        await Should.ThrowAsync<OperationCanceledException>(call.Within());
        (await server.ReadToEndAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Nobody_listening_is_a_connect_error_naming_host_and_port()
    {
        var port = FreePort.OnLoopback();
        using var caller = new TalkParty();
        var error = await Should.ThrowAsync<ConnectFailedException>(CallAsync(caller, port).Within());
        error.Message.ShouldBe($"cannot connect to 127.0.0.1 port {port}: connection refused");
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("::1")]
    public async Task Calls_by_host_name_and_ipv6_reach_a_server_on_all_interfaces(string host)
    {
        if (host == "::1" && !Socket.OSSupportsIPv6)
        {
            Assert.Skip("no IPv6 on this machine");
        }
        using var op = new TalkParty();
        using var caller = new TalkParty();
        await using var server = await StartServerAsync(op, Loopback with { Bind = null });
        var call = CallAsync(caller, server.Port, host);
        await caller.In.TypeAsync($"via {host}");
        (await op.Out.NextLineAsync()).ShouldBe($"via {host}");
        await op.In.TypeAsync("heard you");
        (await caller.Out.NextLineAsync()).ShouldBe("heard you");
        caller.In.End();
        await call.Within();
    }

    [Fact]
    public void The_busy_line_is_a_plain_line_any_client_can_print()
    {
        TalkLineEncoder.Problem(TalkWire.BusyLine).ShouldBeNull();
    }

    [Fact]
    public async Task A_handout_style_server_sending_without_newlines_is_answered_in_its_style()
    {
        using var handout = new HandoutServer();
        using var caller = new TalkParty();
        var call = TalkClient.RunAsync(new TalkClientOptions("127.0.0.1", handout.Port) { QuietPeriod = TimeSpan.FromMilliseconds(100) }, caller, CancellationToken.None);
        await using var server = await handout.AcceptAsync();
        await caller.In.TypeAsync("hello");
        (await server.ReadLineAsync()).ShouldBe("hello");
        // What input() returns, sent with no newline: complete once the bytes stop.
        await server.SendAsync("hi there");
        (await caller.Out.NextLineAsync()).ShouldBe("hi there");
        await caller.In.TypeAsync("how are you?");
        (await server.ReceiveOnceAsync()).ShouldBe("how are you?");
        await server.SendAsync("fine");
        (await caller.Out.NextLineAsync()).ShouldBe("fine");
        caller.In.End();
        (await call.Within()).ShouldBe(TalkClientEnd.EndOfInput);
    }

    [Fact]
    public async Task A_python_handout_style_server_converses_with_the_client()
    {
        using var dir = new TempDirectory();
        var portFile = Path.Combine(dir.Path, "port");
        // The lab's server: recv(1024), print, sendall(what input() returned), with no newline.
        const string script = """
            import os, socket, sys
            srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            srv.bind(("127.0.0.1", 0))
            srv.listen(5)
            with open(sys.argv[1] + ".tmp", "w") as f:
                f.write(str(srv.getsockname()[1]))
            os.rename(sys.argv[1] + ".tmp", sys.argv[1])
            cli, addr = srv.accept()
            for reply in ["hi from python", "bye from python"]:
                request = cli.recv(1024)
                print("got:" + request.decode("utf-8"), flush=True)
                cli.sendall(reply.encode("utf-8"))
            cli.close()
            """;
        var server = PythonPeer.RunAsync(script, portFile);
        await Deadline.Until(() => File.Exists(portFile), "the Python server printed its port");
        var port = int.Parse(await File.ReadAllTextAsync(portFile));

        using var caller = new TalkParty();
        var call = CallAsync(caller, port);
        await caller.In.TypeAsync("hello");
        (await caller.Out.NextLineAsync()).ShouldBe("hi from python");
        await caller.In.TypeAsync("ça va?");
        (await caller.Out.NextLineAsync()).ShouldBe("bye from python");
        (await call.Within()).ShouldBe(TalkClientEnd.ServerHungUp);
        var result = await server;
        result.ExitCode.ShouldBe(0, result.Error);
        // The first line goes out with a newline (nothing is known of the server yet); once the server has
        // shown it sends none, none is sent to it.
        result.Out.Replace("\r", "").ShouldBe("got:hello\n\ngot:ça va?\n");
    }
}
