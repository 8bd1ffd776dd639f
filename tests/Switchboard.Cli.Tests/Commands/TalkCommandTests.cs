using System.Net;
using System.Net.Sockets;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Services.Talk;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Talk;
using Switchboard.Transport.Observability;

namespace Switchboard.Cli.Tests.Commands;

public sealed class TalkCommandTests
{
    private static async Task<(int Code, string Out, string Err)> RunAsync(string input, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, new ConsoleStreams(new StringReader(input), stdout, stderr), CancellationToken.None).Within();
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>A port in the handout's range that nothing listens on (the OS's ephemeral ports are above 1023).</summary>
    private static int UnusedPort()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)probe.LocalEndPoint!).Port;
    }

    [Fact]
    public async Task Talk_without_a_role_is_a_usage_error()
    {
        var (code, _, err) = await RunAsync("", "talk");
        code.ShouldBe(ExitCodes.Usage);
        err.ShouldContain("error:");
        err.ShouldContain("switchboard talk --help");
    }

    [Theory]
    [InlineData(new[] { "talk", "server" }, "")]
    [InlineData(new[] { "talk", "server", "1023" }, "PORT 1023 is out of range: must be 1024-65535")]
    [InlineData(new[] { "talk", "server", "65536" }, "PORT 65536 is out of range: must be 1024-65535")]
    [InlineData(new[] { "talk", "server", "http" }, "PORT 'http' is not a port number (expected 1024-65535)")]
    [InlineData(new[] { "talk", "server", "5000", "6000" }, "")]
    [InlineData(new[] { "talk", "server", "5000", "--max-line-bytes", "0" }, "--max-line-bytes '0' must be a whole number from 1 to 67108864")]
    [InlineData(new[] { "talk", "server", "5000", "--gap-timeout", "never" }, "--gap-timeout 'never' is not a number of seconds")]
    [InlineData(new[] { "talk", "server", "5000", "--bind", "everywhere" }, "--bind 'everywhere' is not an IP address")]
    [InlineData(new[] { "talk", "client" }, "")]
    [InlineData(new[] { "talk", "client", "localhost" }, "")]
    [InlineData(new[] { "talk", "client", "localhost", "80" }, "PORT 80 is out of range: must be 1024-65535")]
    [InlineData(new[] { "talk", "client", "localhost", "-1" }, "")]
    [InlineData(new[] { "talk", "client", "localhost", "5000", "extra" }, "")]
    public async Task Bad_command_lines_exit_2_naming_the_value(string[] args, string message)
    {
        var (code, stdout, err) = await RunAsync("", args);
        code.ShouldBe(ExitCodes.Usage);
        stdout.ShouldBeEmpty();
        err.ShouldStartWith("error: ");
        err.ShouldContain(message);
    }

    [Theory]
    [InlineData("talk")]
    [InlineData("talk", "server")]
    [InlineData("talk", "client")]
    public async Task Help_is_available_everywhere(params string[] path)
    {
        var (code, stdout, _) = await RunAsync("", [.. path, "--help"]);
        code.ShouldBe(ExitCodes.Success);
        stdout.ShouldContain("Usage:");
    }

    [Fact]
    public async Task A_client_with_nobody_listening_exits_1_with_the_reason()
    {
        var port = UnusedPort();
        var (code, stdout, err) = await RunAsync("hello\n", "talk", "client", "127.0.0.1", port.ToString());
        code.ShouldBe(ExitCodes.Failure);
        stdout.ShouldBeEmpty();
        err.Trim().ShouldBe($"error: cannot connect to 127.0.0.1 port {port}: connection refused");
    }

    [Fact]
    public async Task A_host_that_does_not_resolve_exits_1_naming_it()
    {
        var (code, _, err) = await RunAsync("", "talk", "client", "no-such-host.invalid", "5000");
        code.ShouldBe(ExitCodes.Failure);
        err.ShouldContain("error: cannot resolve host 'no-such-host.invalid'");
    }

    [Fact]
    public async Task A_piped_client_conversation_prints_the_answers_and_exits_0()
    {
        using var op = new ScriptedInput();
        var opOut = new CapturedOutput();
        var opErr = new CapturedOutput();
        await using var server = await TalkServer.StartAsync(
            new TalkServerOptions { Bind = IPAddress.Loopback }, TalkTerminal.ForServer(new ConsoleStreams(op.Reader, opOut, opErr), Verbosity.Normal), null, CancellationToken.None);
        var client = RunAsync("first\nsecond\n", "talk", "client", "127.0.0.1", server.Port.ToString());

        (await opOut.NextLineAsync()).ShouldBe("first");
        await op.TypeAsync("answer one");
        (await opOut.NextLineAsync()).ShouldBe("second");
        await op.TypeAsync("answer two");

        var (code, stdout, err) = await client;
        code.ShouldBe(ExitCodes.Success);
        stdout.ShouldBe("answer one\nanswer two\n");
        err.ShouldContain("talk: end of input: hung up");
    }

    [Fact]
    public async Task A_client_turned_away_by_a_busy_server_exits_1()
    {
        using var op = new ScriptedInput();
        var opErr = new CapturedOutput();
        await using var server = await TalkServer.StartAsync(
            new TalkServerOptions { Bind = IPAddress.Loopback }, TalkTerminal.ForServer(new ConsoleStreams(op.Reader, new CapturedOutput(), opErr), Verbosity.Normal), null, CancellationToken.None);
        using var first = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await first.ConnectAsync(new IPEndPoint(IPAddress.Loopback, server.Port)).Within();
        await opErr.WaitForAsync("connected; waiting for their line");

        var (code, stdout, err) = await RunAsync("hello\n", "talk", "client", "127.0.0.1", server.Port.ToString());
        code.ShouldBe(ExitCodes.Failure);
        stdout.ShouldBeEmpty();
        // Only the busy line: a caller turned away is never first invited to type.
        err.Trim().ShouldBe($"error: line busy: 127.0.0.1 port {server.Port} is talking to someone else; try again later");
    }

    [Fact]
    public async Task A_server_whose_input_ends_exits_0()
    {
        var port = UnusedPort();
        var (code, stdout, err) = await RunAsync("", "talk", "server", port.ToString(), "--bind", "127.0.0.1");
        code.ShouldBe(ExitCodes.Success);
        stdout.ShouldBeEmpty();
        err.ShouldContain($"talk: listening on port {port} (127.0.0.1)");
        err.ShouldContain("talk: stopped");
    }

    [Fact]
    public async Task A_server_stopped_by_ctrl_c_exits_0()
    {
        var port = UnusedPort();
        using var input = new ScriptedInput();
        var err = new CapturedOutput();
        using var shutdown = new CancellationTokenSource();
        var run = CliApp.RunAsync(["talk", "server", port.ToString(), "--bind", "127.0.0.1"],
            new ConsoleStreams(input.Reader, new CapturedOutput(), err), shutdown.Token);
        await err.WaitForAsync("listening on port");
        await shutdown.CancelAsync();
        (await run.Within()).ShouldBe(ExitCodes.Success);
        await err.WaitForAsync("talk: stopped");
    }

    [Fact]
    public async Task A_server_on_a_port_in_use_exits_1_naming_the_port()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;
        var (code, _, err) = await RunAsync("", "talk", "server", port.ToString(), "--bind", "127.0.0.1");
        code.ShouldBe(ExitCodes.Failure);
        err.ShouldContain($"error: cannot listen (talk on 127.0.0.1 port {port}): address already in use");
    }

    [Fact]
    public async Task Quiet_hides_notices_but_not_the_conversation()
    {
        var port = UnusedPort();
        var (code, _, err) = await RunAsync("", "talk", "server", port.ToString(), "--bind", "127.0.0.1", "--quiet");
        code.ShouldBe(ExitCodes.Success);
        err.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_client_interrupted_at_its_prompt_exits_1_like_every_client()
    {
        using var op = new ScriptedInput();
        var opErr = new CapturedOutput();
        await using var server = await TalkServer.StartAsync(
            new TalkServerOptions { Bind = IPAddress.Loopback }, TalkTerminal.ForServer(new ConsoleStreams(op.Reader, new CapturedOutput(), opErr), Verbosity.Normal), null, CancellationToken.None);
        using var callerIn = new ScriptedInput();
        var callerErr = new CapturedOutput();
        using var shutdown = new CancellationTokenSource();
        var run = CliApp.RunAsync(["talk", "client", "127.0.0.1", server.Port.ToString()],
            new ConsoleStreams(callerIn.Reader, new CapturedOutput(), callerErr), shutdown.Token);
        await callerErr.WaitForAsync("connected to");
        await shutdown.CancelAsync();
        (await run.Within()).ShouldBe(ExitCodes.Failure);
        callerErr.Lines[^1].ShouldBe("error: interrupted");
        await opErr.WaitForAsync("hung up");
    }

    [Fact]
    public async Task The_server_stamps_its_notices_with_the_time()
    {
        var port = UnusedPort();
        var (code, _, err) = await RunAsync("", "talk", "server", port.ToString(), "--bind", "127.0.0.1");
        code.ShouldBe(ExitCodes.Success);
        err.Split('\n')[0].ShouldMatch(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z talk: listening on port ");
    }
}
