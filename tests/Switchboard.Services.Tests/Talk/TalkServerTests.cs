using System.Text;
using Switchboard.Protocol.Talk;
using Switchboard.Services.Talk;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using static Switchboard.Services.Tests.Talk.Talking;

namespace Switchboard.Services.Tests.Talk;

/// <summary>The server against a peer written like the handout's Python client, byte by byte where it matters.</summary>
public sealed class TalkServerTests
{
    [Fact]
    public async Task Prints_the_callers_line_then_sends_the_line_its_user_types()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await op.Err.WaitForAsync("connected; waiting for their line");

        await peer.SendAsync("hello server\n");
        (await op.Out.NextLineAsync()).ShouldBe("hello server");
        await op.In.TypeAsync("hello caller");
        (await peer.ReadLineAsync()).ShouldBe("hello caller");

        await peer.SendAsync("bye\n");
        (await op.Out.NextLineAsync()).ShouldBe("bye");
        await op.In.TypeAsync("bye then");
        (await peer.ReadLineAsync()).ShouldBe("bye then");
    }

    [Fact]
    public async Task Waits_for_the_callers_line_before_sending_even_when_its_user_typed_ahead()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await op.In.TypeAsync("typed early");
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await op.Err.WaitForAsync("connected; waiting for their line");

        (await peer.QuietForAsync(TimeSpan.FromMilliseconds(300))).ShouldBeTrue("the server spoke before the caller");
        await peer.SendAsync("me first\n");
        (await peer.ReadLineAsync()).ShouldBe("typed early");
        op.Out.Lines.ShouldBe(["me first"]);
    }

    [Fact]
    public async Task A_line_sent_one_byte_at_a_time_is_printed_whole()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        var bytes = Encoding.UTF8.GetBytes("naïve 🎉 split everywhere\n");
        foreach (var b in bytes)
        {
            await peer.SendAsync([b]);
        }
        (await op.Out.NextLineAsync()).ShouldBe("naïve 🎉 split everywhere");
    }

    [Fact]
    public async Task Several_lines_in_one_send_are_answered_one_at_a_time_in_order()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await peer.SendAsync("one\ntwo\r\nthree\n");

        (await op.Out.NextLineAsync()).ShouldBe("one");
        await op.In.TypeAsync("r1");
        (await op.Out.NextLineAsync()).ShouldBe("two");
        await op.In.TypeAsync("r2");
        (await op.Out.NextLineAsync()).ShouldBe("three");
        await op.In.TypeAsync("r3");
        (await peer.ReadLineAsync()).ShouldBe("r1");
        (await peer.ReadLineAsync()).ShouldBe("r2");
        (await peer.ReadLineAsync()).ShouldBe("r3");
    }

    [Fact]
    public async Task A_line_far_longer_than_one_read_arrives_exactly()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        var text = string.Concat(Enumerable.Repeat("long line ü ", 60_000));
        await peer.SendAsync(text + "\n");
        (await op.Out.NextLineAsync()).ShouldBe(text);
    }

    [Fact]
    public async Task Exit_typed_at_the_server_hangs_up_on_the_caller_and_the_next_caller_is_served()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using (var first = await HandoutPeer.ConnectAsync(server.Port))
        {
            await first.SendAsync("hi\n");
            (await op.Out.NextLineAsync()).ShouldBe("hi");
            await op.In.TypeAsync("EXIT");
            // EXIT is a command, not a message: the caller just sees the connection close.
            (await first.ReadToEndAsync()).ShouldBeEmpty();
            await op.Err.WaitForAsync("hung up on 127.0.0.1:");
        }

        await using var second = await HandoutPeer.ConnectAsync(server.Port);
        await second.SendAsync("me next\n");
        (await op.Out.NextLineAsync()).ShouldBe("me next");
        await op.In.TypeAsync("welcome");
        (await second.ReadLineAsync()).ShouldBe("welcome");
    }

    [Fact]
    public async Task A_caller_closing_sends_the_server_back_to_waiting()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        var first = await HandoutPeer.ConnectAsync(server.Port);
        await op.Err.WaitForAsync("connected; waiting for their line");
        await first.DisposeAsync();
        await op.Err.WaitForAsync(" hung up");
        await op.Err.WaitForAsync($"waiting for a caller on port {server.Port}");
        op.Err.Count("error:").ShouldBe(0);

        await using var second = await HandoutPeer.ConnectAsync(server.Port);
        await second.SendAsync("still there?\n");
        (await op.Out.NextLineAsync()).ShouldBe("still there?");
    }

    [Fact]
    public async Task A_caller_vanishing_is_a_diagnostic_and_the_next_caller_is_served()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        var first = await HandoutPeer.ConnectAsync(server.Port);
        await first.SendAsync("half a li");
        await op.Err.WaitForAsync("connected; waiting for their line");
        first.Reset();
        var error = await op.Err.WaitForAsync("error:");
        error.ShouldContain("127.0.0.1:");
        error.ShouldContain("connection lost");
        await op.Err.WaitForAsync($"waiting for a caller on port {server.Port}");

        await using var second = await HandoutPeer.ConnectAsync(server.Port);
        await second.SendAsync("hello\n");
        (await op.Out.NextLineAsync()).ShouldBe("hello");
    }

    [Fact]
    public async Task A_caller_reset_while_the_server_user_types_frees_the_line_for_the_next_caller()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        var first = await HandoutPeer.ConnectAsync(server.Port);
        await first.SendAsync("ask\n");
        (await op.Out.NextLineAsync()).ShouldBe("ask");
        first.Reset();
        // Noticed without the user typing anything: the line is free again at once.
        await op.Err.WaitForAsync($"waiting for a caller on port {server.Port}");

        await using var second = await HandoutPeer.ConnectAsync(server.Port);
        await second.SendAsync("new\n");
        (await op.Out.NextLineAsync()).ShouldBe("new");
        await op.In.TypeAsync("fresh answer");
        (await second.ReadLineAsync()).ShouldBe("fresh answer");
    }

    [Fact]
    public async Task A_caller_that_ends_its_lines_with_newlines_closing_mid_line_is_reported_without_printing_the_fragment()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await peer.SendAsync("first\n");
        (await op.Out.NextLineAsync()).ShouldBe("first");
        await op.In.TypeAsync("go on");
        (await peer.ReadLineAsync()).ShouldBe("go on");
        await peer.SendAsync("no newline");
        peer.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        (await op.Err.WaitForAsync("hung up in the middle of a line")).ShouldContain("10 bytes");
        op.Out.Lines.ShouldBe(["first"]);
    }

    [Fact]
    public async Task A_caller_that_sends_without_a_newline_and_closes_had_sent_its_message()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        // The handout's myclient.py: sendall(message) and close.
        await peer.SendAsync("this is my message");
        peer.Socket.Shutdown(System.Net.Sockets.SocketShutdown.Send);
        (await op.Out.NextLineAsync()).ShouldBe("this is my message");
        await op.Err.WaitForAsync("127.0.0.1:");
        await op.Err.WaitForAsync(" hung up");
    }

    [Fact]
    public async Task A_caller_sending_exit_is_taken_as_hanging_up()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await peer.SendAsync("EXIT\r\n");
        await op.Err.WaitForAsync("sent EXIT; hung up");
        (await peer.ReadToEndAsync()).ShouldBeEmpty();
        op.Out.Lines.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_second_caller_is_told_the_line_is_busy_and_the_first_conversation_goes_on()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var first = await HandoutPeer.ConnectAsync(server.Port);
        await op.Err.WaitForAsync("connected; waiting for their line");

        await using (var second = await HandoutPeer.ConnectAsync(server.Port))
        {
            // The handout's client would simply print this line.
            (await second.ReadLineAsync()).ShouldBe(TalkWire.BusyLine);
            (await second.ReadToEndAsync()).ShouldBeEmpty();
        }
        await op.Err.WaitForAsync("turned away 127.0.0.1:");

        await first.SendAsync("still talking\n");
        (await op.Out.NextLineAsync()).ShouldBe("still talking");
        await op.In.TypeAsync("yes");
        (await first.ReadLineAsync()).ShouldBe("yes");
    }

    [Fact]
    public async Task A_busy_caller_that_already_sent_a_line_still_gets_the_busy_line()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var first = await HandoutPeer.ConnectAsync(server.Port);
        await op.Err.WaitForAsync("connected; waiting for their line");
        await using var second = await HandoutPeer.ConnectAsync(server.Port);
        await second.SendAsync("hello?\n");
        (await second.ReadLineAsync()).ShouldBe(TalkWire.BusyLine);
        op.Out.Lines.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_line_over_the_limit_is_refused_before_its_newline_and_the_server_goes_on()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op, Loopback with { MaxLineBytes = 16 });
        await using (var peer = await HandoutPeer.ConnectAsync(server.Port))
        {
            await peer.SendAsync(new string('x', 40));
            (await op.Err.WaitForAsync("error:")).ShouldContain("line is more than 16 bytes with no newline yet");
            (await peer.ReadToEndAsync()).ShouldBeEmpty();
        }
        await op.Err.WaitForAsync($"waiting for a caller on port {server.Port}");
        await using var next = await HandoutPeer.ConnectAsync(server.Port);
        await next.SendAsync("short\n");
        (await op.Out.NextLineAsync()).ShouldBe("short");
    }

    [Fact]
    public async Task A_line_of_exactly_the_default_limit_is_accepted()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        // Kestrel stops reading a connection whose unread bytes fill its buffer; a whole line must fit.
        var text = new string('m', TalkWire.DefaultMaxLineBytes);
        await peer.SendAsync(text + "\r\n");
        (await op.Out.NextLineAsync()).Length.ShouldBe(TalkWire.DefaultMaxLineBytes);
    }

    [Fact]
    public async Task A_line_that_stalls_half_sent_fails_after_the_gap_and_the_server_goes_on()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op, Loopback with { Limits = new() { GapTimeout = TimeSpan.FromMilliseconds(300) }, QuietPeriod = TimeSpan.FromMilliseconds(50) });
        await using (var peer = await HandoutPeer.ConnectAsync(server.Port))
        {
            // Silence before a line is a person thinking, not a stall: the gap only starts with the line.
            (await peer.QuietForAsync(TimeSpan.FromMilliseconds(400))).ShouldBeTrue();
            op.Err.Count("error:").ShouldBe(0);
            // Once a caller has ended a line with a newline, a pause mid-line is a stall, not the end of a message.
            await peer.SendAsync("whole\n");
            (await op.Out.NextLineAsync()).ShouldBe("whole");
            await op.In.TypeAsync("ok");
            (await peer.ReadLineAsync()).ShouldBe("ok");
            await peer.SendAsync("half a line");
            (await op.Err.WaitForAsync("error:")).ShouldContain("reading line: no progress for 0.3 s (gap rule)");
            (await peer.ReadToEndAsync()).ShouldBeEmpty();
        }
        await using var next = await HandoutPeer.ConnectAsync(server.Port);
        await next.SendAsync("whole line\n");
        (await op.Out.NextLineAsync()).ShouldBe("whole line");
    }

    [Fact]
    public async Task A_line_that_is_not_utf8_is_refused_naming_the_field()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await peer.SendAsync([0x68, 0x69, 0xFF, 0x0A]);
        (await op.Err.WaitForAsync("error:")).ShouldContain("malformed line: line is not valid UTF-8 at byte 2 (ff)");
        (await peer.ReadToEndAsync()).ShouldBeEmpty();
        op.Out.Lines.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_typed_line_over_the_limit_is_not_sent_and_the_user_may_try_again()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op, Loopback with { MaxLineBytes = 8 });
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await peer.SendAsync("hi\n");
        (await op.Out.NextLineAsync()).ShouldBe("hi");
        await op.In.TypeAsync("much too long");
        (await op.Err.WaitForAsync("line not sent")).ShouldContain("13 bytes in UTF-8, more than the limit of 8 bytes");
        await op.In.TypeAsync("short");
        (await peer.ReadLineAsync()).ShouldBe("short");
    }

    [Fact]
    public async Task End_of_input_while_waiting_for_a_caller_shuts_the_server_down()
    {
        using var op = new TalkParty();
        op.In.End();
        var run = TalkServer.RunAsync(Loopback, op, null, CancellationToken.None);
        (await run.Within()).ShouldBe(TalkServerEnd.EndOfInput);
        await op.Err.WaitForAsync("stopped");
    }

    [Fact]
    public async Task End_of_input_in_a_conversation_prints_the_callers_line_hangs_up_and_shuts_down()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await peer.SendAsync("last words\n");
        (await op.Out.NextLineAsync()).ShouldBe("last words");
        op.In.End();
        (await peer.ReadToEndAsync()).ShouldBeEmpty();
        await server.InputEnded.Within();
        await op.Err.WaitForAsync("end of standard input: hanging up on 127.0.0.1:");
    }

    [Fact]
    public async Task Cancelling_hangs_up_on_the_caller_and_stops_cleanly()
    {
        using var op = new TalkParty();
        using var cts = new CancellationTokenSource();
        var run = TalkServer.RunAsync(Loopback with { Port = 0 }, op, null, cts.Token);
        var listening = await op.Err.WaitForAsync("listening on port ");
        var port = int.Parse(listening.Split("port ")[1].Split(' ')[0]);
        await using var peer = await HandoutPeer.ConnectAsync(port);
        await op.Err.WaitForAsync("connected; waiting for their line");

        await cts.CancelAsync();
        (await run.Within()).ShouldBe(TalkServerEnd.Stopped);
        (await peer.ReadToEndAsync()).ShouldBeEmpty();
        await op.Err.WaitForAsync("shutting down: hanging up on 127.0.0.1:");
        await op.Err.WaitForAsync("stopped");
    }

    [Fact]
    public async Task A_port_in_use_is_a_clear_start_error()
    {
        using var op = new TalkParty();
        await using var first = await StartServerAsync(op);
        using var other = new TalkParty();
        var error = await Should.ThrowAsync<ServerStartException>(() => StartServerAsync(other, Loopback with { Port = first.Port }));
        error.Message.ShouldContain($"port {first.Port}");
        error.Message.ShouldContain("address already in use");
    }

    [Fact]
    public async Task A_caller_hanging_up_while_the_user_is_typing_is_noticed_at_once_and_the_next_caller_is_taken()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using (var first = await HandoutPeer.ConnectAsync(server.Port))
        {
            await first.SendAsync("bye\n");
            (await op.Out.NextLineAsync()).ShouldBe("bye");
        }
        // The user has not typed: the close alone is reported, and the line is free.
        await op.Err.WaitForAsync("127.0.0.1:");
        await op.Err.WaitForAsync($"waiting for a caller on port {server.Port}");
        op.Err.Lines.Count(l => l.Contains(" hung up", StringComparison.Ordinal)).ShouldBe(1);

        await using var second = await HandoutPeer.ConnectAsync(server.Port);
        await second.SendAsync("my turn\n");
        (await op.Out.NextLineAsync()).ShouldBe("my turn");
        // The line typed now answers the new caller: the abandoned wait did not swallow it.
        await op.In.TypeAsync("welcome");
        (await second.ReadLineAsync()).ShouldBe("welcome");
        op.Err.Count("turned away").ShouldBe(0);
    }

    [Fact]
    public async Task A_caller_speaking_out_of_turn_is_heard_in_turn()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await peer.SendAsync("one\n");
        (await op.Out.NextLineAsync()).ShouldBe("one");
        await peer.SendAsync("two\n");
        await op.In.TypeAsync("answer one");
        (await peer.ReadLineAsync()).ShouldBe("answer one");
        (await op.Out.NextLineAsync()).ShouldBe("two");
        await op.In.TypeAsync("answer two");
        (await peer.ReadLineAsync()).ShouldBe("answer two");
    }

    [Fact]
    public async Task A_handout_style_caller_sending_without_newlines_is_heard_and_answered_in_its_style()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op, Loopback with { QuietPeriod = TimeSpan.FromMilliseconds(100) });
        await using var peer = await HandoutPeer.ConnectAsync(server.Port);
        await peer.SendAsync("hello");
        (await op.Out.NextLineAsync()).ShouldBe("hello");
        await op.In.TypeAsync("hi");
        (await peer.ReceiveOnceAsync()).ShouldBe("hi");
        await peer.SendAsync("bye");
        (await op.Out.NextLineAsync()).ShouldBe("bye");
    }

    [Fact]
    public async Task Python_handout_style_clients_converse_with_the_server()
    {
        using var op = new TalkParty();
        await using var server = await StartServerAsync(op);
        // A student's client as the lab sets it: sendall(input()), then one recv(1024), until EXIT.
        const string script = """
            import socket, sys
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.connect(("127.0.0.1", int(sys.argv[1])))
            for message in ["hello from python", "second message"]:
                s.sendall(message.encode("utf-8"))
                reply = s.recv(1024)
                print("got:" + reply.decode("utf-8"))
            s.close()
            """;
        var client = PythonPeer.RunAsync(script, server.Port.ToString());
        (await op.Out.NextLineAsync()).ShouldBe("hello from python");
        await op.In.TypeAsync("hello from dotnet");
        (await op.Out.NextLineAsync()).ShouldBe("second message");
        await op.In.TypeAsync("ünïcode answer");
        var result = await client;
        result.ExitCode.ShouldBe(0, result.Error);
        result.Out.Replace("\r", "").ShouldBe("got:hello from dotnet\ngot:ünïcode answer\n");
        await op.Err.WaitForAsync(" hung up");
    }
}
