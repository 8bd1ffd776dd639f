using System.Net;
using System.Net.Sockets;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Services.Echo;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Commands;

public sealed class EchoCommandTests
{
    private static async Task<(int Exit, string Out, string Err)> Run(string input, CancellationToken shutdown, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await CliApp.RunAsync(args, new ConsoleStreams(new StringReader(input), stdout, stderr), shutdown).Within();
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static Task<(int Exit, string Out, string Err)> Run(string input, params string[] args) => Run(input, CancellationToken.None, args);

    [Fact]
    public async Task The_client_prints_one_reply_line_per_input_line()
    {
        await using var server = new BufferedServer("127.0.0.1", 0, 4096);
        var serving = server.RunAsync();

        var (exit, stdout, stderr) = await Run("Four score and seven years ago\nshort\n😀😀😀😀😀😀😀😀😀😀 emoji\n\n", "echo", "client", "127.0.0.1", server.Port.ToString(), "--buffer", "4");

        exit.ShouldBe(0, stderr);
        stdout.ShouldBe(" and seven years ago\n\n emoji\n\n".Replace("\n", Environment.NewLine));
        stderr.ShouldBeEmpty();
        server.KeepRunning = false;
        await serving.Within();
    }

    [Fact]
    public async Task The_client_exits_0_at_once_on_empty_input()
    {
        await using var server = new BufferedServer("127.0.0.1", 0, 4096);
        var serving = server.RunAsync();
        (await Run("", "echo", "client", "localhost", server.Port.ToString())).ShouldBe((0, "", ""));
        server.KeepRunning = false;
        await serving.Within();
    }

    [Fact]
    public async Task The_client_exits_1_when_the_server_goes_away()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        var hangUp = Task.Run(async () => (await listener.AcceptAsync()).Dispose());

        var (exit, stdout, stderr) = await Run("anybody there?\n", "echo", "client", "127.0.0.1", port.ToString());
        await hangUp.Within();

        exit.ShouldBe(1);
        stdout.ShouldBeEmpty();
        stderr.ShouldStartWith("error: server ");
        stderr.ShouldContain($"(127.0.0.1 port {port}, after 0 replies)");
    }

    [Fact]
    public async Task The_client_exits_1_when_nothing_listens()
    {
        var port = FreePort.OnLoopback();
        var (exit, _, stderr) = await Run("hello\n", "echo", "client", "127.0.0.1", port.ToString());
        exit.ShouldBe(1);
        stderr.ShouldBe($"error: cannot connect to 127.0.0.1 port {port}: connection refused{Environment.NewLine}");
    }

    [Theory]
    [InlineData("PORT 0 is out of range: must be 1-65535", "echo", "client", "127.0.0.1", "0")]
    [InlineData("PORT 65536 is out of range: must be 1-65535", "echo", "client", "127.0.0.1", "65536")]
    [InlineData("PORT 'http' is not a port number", "echo", "client", "127.0.0.1", "http")]
    [InlineData("--buffer '0' must be a whole number from 1 to 1048576", "echo", "client", "127.0.0.1", "4567", "--buffer", "0")]
    [InlineData("PORT", "echo", "client", "127.0.0.1")]
    [InlineData("--port", "echo", "server")]
    [InlineData("--port 0 is out of range: must be 1-65535", "echo", "server", "--port", "0")]
    [InlineData("--bind 'nowhere' is not an IP address", "echo", "server", "--port", "4567", "--bind", "nowhere")]
    [InlineData("--max-payload '-1' must be a whole number", "echo", "server", "--port", "4567", "--max-payload", "-1")]
    [InlineData("--quiet and --verbose cannot be used together", "echo", "server", "--port", "4567", "--quiet", "--verbose")]
    public async Task Bad_command_lines_exit_2_naming_the_value(string expected, params string[] args)
    {
        var (exit, stdout, stderr) = await Run("", args);
        exit.ShouldBe(2);
        stdout.ShouldBeEmpty();
        stderr.ShouldStartWith("error: ");
        stderr.ShouldContain(expected);
    }

    [Fact]
    public async Task The_server_serves_until_shutdown_then_exits_0()
    {
        var port = FreePort.OnLoopback();
        using var shutdown = new CancellationTokenSource();
        var server = Run("", shutdown.Token, "echo", "server", "--port", port.ToString(), "--bind", "127.0.0.1", "--buffer", "8", "--quiet");

        BufferedClient? client = null;
        await Deadline.Until(() =>
        {
            try
            {
                client = new BufferedClient("127.0.0.1", port, 64);
                return true;
            }
            catch (Transport.Client.ConnectFailedException)
            {
                return server.IsCompleted;
            }
        }, "the server accepting connections");
        client.ShouldNotBeNull($"server ended early: {(server.IsCompleted ? (await server).Err : "")}");
        using (client)
        {
            await client.SendMessageAsync("served by the command line");
            (await client.ReceiveMessageAsync().Within()).ShouldBe(("the command line", true));
        }

        await shutdown.CancelAsync();
        var (exit, _, stderr) = await server;
        exit.ShouldBe(0, stderr);
    }

    [Fact]
    public async Task The_server_exits_1_when_its_port_is_taken()
    {
        using var squatter = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        squatter.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        squatter.Listen();
        var port = ((IPEndPoint)squatter.LocalEndPoint!).Port;

        var (exit, _, stderr) = await Run("", "echo", "server", "--port", port.ToString(), "--bind", "127.0.0.1", "--quiet");

        exit.ShouldBe(1);
        stderr.ShouldBe($"error: cannot listen (echo on 127.0.0.1 port {port}): address already in use{Environment.NewLine}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_second_echo_server_on_a_port_in_use_exits_1(bool bindLoopback)
    {
        await using var first = new BufferedServer("", 0, 4096);
        var serving = first.RunAsync();
        string[] args = ["echo", "server", "--port", first.Port.ToString(), "--quiet", .. bindLoopback ? ["--bind", "127.0.0.1"] : Array.Empty<string>()];

        var (exit, _, stderr) = await Run("", args);

        exit.ShouldBe(1);
        stderr.ShouldContain($"port {first.Port}): address already in use");
        first.KeepRunning = false;
        await serving.Within();
    }

    [Fact]
    public void Echo_help_texts_are_capitalised_like_the_other_services()
    {
        var echo = CliApp.BuildRoot(new ConsoleStreams(new StringReader(""), new StringWriter(), new StringWriter())).Subcommands.Single(c => c.Name == "echo");
        foreach (var command in echo.Subcommands.Prepend(echo))
        {
            char.IsUpper(command.Description![0]).ShouldBeTrue(command.Description);
            command.Description.ShouldEndWith(".");
        }
    }
}
