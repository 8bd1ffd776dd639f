using Switchboard.Cli.Terminal;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Mailbox;
using Switchboard.Transport.Client;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Cli.Tests.Terminal;

/// <summary>The mailbox client as a user runs it: <see cref="MailboxTerminal"/> over <see cref="MailboxClient"/>.</summary>
public sealed class MailboxTerminalTests
{
    private static readonly TransportLimits Fast = new() { GapTimeout = TimeSpan.FromMilliseconds(300) };

    private sealed record Session(MailboxTerminal Client, StringWriter Out, StringWriter Error);

    /// <param name="terminal">Whether stdin is a terminal (prompts are shown only then).</param>
    private static Session NewSession(string input = "", bool terminal = true)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        return new Session(new MailboxTerminal(new ConsoleStreams(new StringReader(input), output, error, InIsTerminal: terminal), new MailboxClient(Fast)), output, error);
    }

    [Fact]
    public async Task Prompts_are_not_printed_when_stdin_is_not_a_terminal()
    {
        await using var fake = new FakeMailboxServer(_ => Task.CompletedTask);
        var session = NewSession("bob\nhello bob\n", terminal: false);
        await session.Client.CreateAsync("127.0.0.1", fake.Port, "alice", default);
        (await fake.Request).ShouldBe(MessageRequest.Create("alice", "bob", "hello bob"));
        session.Error.ToString().ShouldStartWith("sent a message for 'bob'");
        session.Error.ToString().ShouldNotContain("Receiver name:");
        session.Error.ToString().ShouldNotContain("Message:");
    }

    [Fact]
    public async Task Bytes_after_a_complete_response_are_a_malformed_response()
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies([.. MessageResponseCodec.Encode([new("al", "hi")], false), 0xAE]));
        var session = NewSession();
        var error = await Should.ThrowAsync<ProtocolViolationException>(() => session.Client.ReadAsync("127.0.0.1", fake.Port, "bob", default));
        error.Message.ShouldStartWith("malformed MessageResponse");
        error.Message.ShouldContain("1 byte after the last of 1 message");
        session.Out.ToString().ShouldBe("al: hi\n", "what arrived whole is still shown");
    }

    [Fact]
    public async Task Read_prints_one_line_per_message_on_stdout()
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies(
            MessageResponseCodec.Encode([new("alice", "hi there"), new("Zoë", "☃ snow")], moreMessages: false)));
        var session = NewSession();
        (await session.Client.ReadAsync("127.0.0.1", fake.Port, "bob", default)).ShouldBe(2);
        session.Out.ToString().ShouldBe("alice: hi there\nZoë: ☃ snow\n");
        (await fake.Request).ShouldBe(MessageRequest.Read("bob"));
    }

    [Fact]
    public async Task Read_of_an_empty_mailbox_says_so_on_stderr()
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies(MessageResponseCodec.Encode([], false)));
        var session = NewSession();
        await session.Client.ReadAsync("localhost", fake.Port, "bob", default);
        session.Out.ToString().ShouldBeEmpty();
        session.Error.ToString().ShouldContain("no messages for 'bob'");
    }

    [Fact]
    public async Task Read_tells_when_more_messages_are_waiting()
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies(MessageResponseCodec.Encode([new("a", "b")], true)));
        var session = NewSession();
        await session.Client.ReadAsync("127.0.0.1", fake.Port, "bob", default);
        session.Error.ToString().ShouldContain("more messages are waiting");
    }

    [Theory]
    [InlineData(new byte[] { 0xAE, 0x74, 3, 0, 0 }, "MagicNo is 0xAE74")]
    [InlineData(new byte[] { 0xAE, 0x73, 2, 0, 0 }, "ID is 2, expected 3")]
    [InlineData(new byte[] { 0xAE, 0x73, 3, 0, 7 }, "MoreMsgs is 7")]
    [InlineData(new byte[] { 0xAE, 0x73, 3, 1, 0, 0, 0, 1, (byte)'x' }, "SenderLen is 0")]
    [InlineData(new byte[] { 0xAE, 0x73, 3, 1, 0, 1, 0, 0, (byte)'x' }, "MessageLen is 0")]
    [InlineData(new byte[] { 0xAE, 0x73, 3, 1, 0, 1, 0, 1, (byte)'x', 0xFF }, "Message is not valid UTF-8")]
    public async Task Malformed_responses_are_errors_naming_the_field(byte[] response, string expected)
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies(response));
        var error = await Should.ThrowAsync<ProtocolViolationException>(() => NewSession().Client.ReadAsync("127.0.0.1", fake.Port, "bob", default));
        error.Message.ShouldContain(expected);
        error.Message.ShouldStartWith("malformed MessageResponse");
    }

    [Fact]
    public async Task A_response_cut_short_is_an_error()
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies([0xAE, 0x73, 3, 2, 0, 1, 0, 1, (byte)'a', (byte)'b']));
        var error = await Should.ThrowAsync<PeerClosedException>(() => NewSession().Client.ReadAsync("127.0.0.1", fake.Port, "bob", default));
        error.Message.ShouldContain("message 2 of 2");
    }

    [Fact]
    public async Task A_gap_in_the_header_is_an_error()
    {
        var release = new TaskCompletionSource();
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Stalls([0xAE, 0x73], release.Task, [3, 0, 0]));
        var error = await Should.ThrowAsync<PeerTimeoutException>(() => NewSession().Client.ReadAsync("127.0.0.1", fake.Port, "bob", default));
        release.SetResult();
        error.Message.ShouldContain("no progress for 0.3 s");
    }

    [Fact]
    public async Task A_gap_inside_a_message_is_an_error()
    {
        var release = new TaskCompletionSource();
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Stalls([0xAE, 0x73, 3, 1, 0, 1, 0, 5, (byte)'a', (byte)'h'], release.Task, "ello"u8.ToArray()));
        var error = await Should.ThrowAsync<PeerTimeoutException>(() => NewSession().Client.ReadAsync("127.0.0.1", fake.Port, "bob", default));
        release.SetResult();
        error.Message.ShouldContain("message 1 of 1");
    }

    [Fact]
    public async Task Create_prompts_on_stderr_and_sends_the_request()
    {
        await using var fake = new FakeMailboxServer(_ => Task.CompletedTask);
        var session = NewSession("bob\nhello bob\n");
        await session.Client.CreateAsync("127.0.0.1", fake.Port, "alice", default);
        (await fake.Request).ShouldBe(MessageRequest.Create("alice", "bob", "hello bob"));
        session.Error.ToString().ShouldContain("Receiver name: ");
        session.Error.ToString().ShouldContain("Message: ");
        session.Out.ToString().ShouldBeEmpty();
    }

    [Fact]
    public async Task Create_succeeds_only_once_the_server_has_closed()
    {
        var release = new TaskCompletionSource();
        await using var fake = new FakeMailboxServer(async _ => await release.Task);
        var session = NewSession("bob\nhello\n");
        var create = session.Client.CreateAsync("127.0.0.1", fake.Port, "alice", default);
        try
        {
            await fake.Received.Within();
            create.IsCompleted.ShouldBeFalse("the server has not closed yet");
        }
        finally
        {
            release.SetResult();
        }
        await create.Within();
        session.Error.ToString().ShouldContain("the server stored it");
    }

    [Fact]
    public async Task Create_fails_when_the_server_never_closes()
    {
        var release = new TaskCompletionSource();
        await using var fake = new FakeMailboxServer(async _ => await release.Task);
        var error = await Should.ThrowAsync<PeerTimeoutException>(() => NewSession("bob\nhello\n").Client.CreateAsync("127.0.0.1", fake.Port, "alice", default)).Within();
        release.SetResult();
        error.Message.ShouldBe("waiting for the server to close after a create request: no progress for 0.3 s (gap rule)");
    }

    [Fact]
    public async Task Create_fails_when_the_server_answers()
    {
        await using var fake = new FakeMailboxServer(FakeMailboxServer.Replies([0xAE, 0x73, 3, 0, 0]));
        var error = await Should.ThrowAsync<ProtocolViolationException>(() => NewSession("bob\nhello\n").Client.CreateAsync("127.0.0.1", fake.Port, "alice", default));
        error.Message.ShouldContain("response to create is 5 bytes received");
    }

    [Fact]
    public async Task Create_fails_clearly_when_the_connection_is_reset_before_confirmation()
    {
        await using var fake = new FakeMailboxServer(s =>
        {
            s.LingerState = new System.Net.Sockets.LingerOption(true, 0);
            s.Close(); // RST, as when a stopping server drops connections it never accepted
            return Task.CompletedTask;
        });
        var error = await Should.ThrowAsync<PeerClosedException>(() => NewSession("bob\nhello\n").Client.CreateAsync("127.0.0.1", fake.Port, "alice", default));
        error.Message.ShouldContain("the message may not have been stored");
    }

    [Fact]
    public async Task Create_re_prompts_until_the_input_is_valid()
    {
        await using var fake = new FakeMailboxServer(_ => Task.CompletedTask);
        var tooLongName = new string('r', 255);
        var tooLongMessage = new string('m', 65535);
        var session = NewSession($"\n{tooLongName}\nbob\n\n{tooLongMessage}\nfinally\n");
        await session.Client.CreateAsync("127.0.0.1", fake.Port, "alice", default);
        (await fake.Request).ShouldBe(MessageRequest.Create("alice", "bob", "finally"));
        var prompts = session.Error.ToString();
        prompts.ShouldContain("the receiver name must not be empty");
        prompts.ShouldContain("the receiver name is 255 bytes in UTF-8, at most 254 allowed");
        prompts.ShouldContain("the message must not be empty");
        prompts.ShouldContain("the message is 65535 bytes in UTF-8, at most 65534 allowed");
    }

    [Fact]
    public async Task Create_with_input_ending_early_fails_without_connecting()
    {
        var session = NewSession("bob\n");
        // Port 1 on loopback: nothing listens there, so reaching the connect step would be a different error.
        var error = await Should.ThrowAsync<MailboxInputException>(() => session.Client.CreateAsync("127.0.0.1", 1, "alice", default)).Within();
        error.Message.ShouldBe("input ended before a valid message was entered");
    }

    [Fact]
    public async Task Unresolvable_hosts_and_refused_connections_are_clear_errors()
    {
        var unknown = await Should.ThrowAsync<ConnectFailedException>(() => NewSession().Client.ReadAsync("no-such-host.invalid", 5000, "bob", default));
        unknown.Message.ShouldStartWith("cannot resolve host 'no-such-host.invalid'");

        using var closed = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        closed.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var port = ((System.Net.IPEndPoint)closed.LocalEndPoint!).Port; // bound, not listening: connections are refused
        var refused = await Should.ThrowAsync<ConnectFailedException>(() => NewSession().Client.ReadAsync("127.0.0.1", port, "bob", default));
        refused.Message.ShouldBe($"cannot connect to 127.0.0.1 port {port}: connection refused");
    }

    [Fact]
    public async Task IPv6_literals_are_accepted()
    {
        if (!System.Net.Sockets.Socket.OSSupportsIPv6)
        {
            throw new InvalidOperationException("this machine has no IPv6 loopback; the test cannot run here");
        }
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.IPv6Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        var accepted = listener.AcceptSocketAsync();
        var reading = NewSession().Client.ReadAsync("::1", port, "bob", default);
        using var socket = await accepted.Within();
        await socket.SendAsync(MessageResponseCodec.Encode([], false));
        socket.Shutdown(System.Net.Sockets.SocketShutdown.Both);
        (await reading.Within()).ShouldBe(0);
    }

    [Fact]
    public void User_names_must_be_1_to_255_bytes()
    {
        MailboxClient.ValidateUser("a");
        MailboxClient.ValidateUser(new string('é', 127)); // 254 bytes
        Should.Throw<InvalidValueException>(() => MailboxClient.ValidateUser("")).Message.ShouldContain("got 0 bytes");
        Should.Throw<InvalidValueException>(() => MailboxClient.ValidateUser(new string('é', 128))).Message.ShouldContain("got 256 bytes");
    }
}
