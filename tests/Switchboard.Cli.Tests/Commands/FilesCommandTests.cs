using System.Net;
using System.Net.Sockets;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Protocol.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Commands;

public sealed class FilesCommandTests : IDisposable
{
    private readonly StringWriter _out = new();
    private readonly StringWriter _err = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("switchboard-cli-files-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private Task<int> RunAsync(CancellationToken cancellationToken, params string[] args) =>
        CliApp.RunAsync(args, new ConsoleStreams(new StringReader(""), _out, _err), cancellationToken);

    private Task<int> RunAsync(params string[] args) => RunAsync(CancellationToken.None, args);

    /// <summary>A port in the handout's range with nothing listening on it.</summary>
    private static int FreePort()
    {
        for (var port = 40000 + Random.Shared.Next(20000); ; port = 1024 + Random.Shared.Next(63000))
        {
            try
            {
                using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
            }
        }
    }

    /// <summary>Connects once the server under test listens; fails at once if it exited instead.</summary>
    private async Task<RawTcp> ConnectWhenListeningAsync(int port, Task<int> server)
    {
        var end = DateTime.UtcNow + Deadline.Default;
        while (true)
        {
            if (server.IsCompleted)
            {
                throw new InvalidOperationException($"server exited with {await server}: {_err}");
            }
            try
            {
                return await RawTcp.ConnectAsync(port);
            }
            catch (SocketException) when (DateTime.UtcNow < end)
            {
                // No event announces "listening" across CliApp's boundary; poll like Deadline.Until does.
                await Task.Delay(20);
            }
        }
    }

    [Theory]
    [InlineData("files", "client", "127.0.0.1", "80", "x.txt", "PORT 80 is out of range: must be 1024-64000")]
    [InlineData("files", "client", "127.0.0.1", "64001", "x.txt", "PORT 64001 is out of range")]
    [InlineData("files", "client", "127.0.0.1", "http", "x.txt", "PORT 'http' is not a port number")]
    [InlineData("files", "client", "127.0.0.1", "5001", "x.txt", "extra", "Unrecognized command or argument 'extra'")]
    [InlineData("files", "server", "1023", "PORT 1023 is out of range")]
    [InlineData("files", "server", "5001", "--bind", "nowhere", "--bind 'nowhere' is not an IP address")]
    [InlineData("files", "server", "5001", "--gap-timeout", "0", "--gap-timeout '0' is not a number of seconds")]
    public async Task Bad_command_lines_exit_2_naming_the_value(params string[] argsAndMessage)
    {
        var exit = await RunAsync(argsAndMessage[..^1]);
        exit.ShouldBe(2);
        _err.ToString().ShouldContain("error: " + argsAndMessage[^1]);
        _out.ToString().ShouldBeEmpty();
    }

    [Fact]
    public async Task Client_with_two_arguments_exits_2()
    {
        (await RunAsync("files", "client", "127.0.0.1", "5001")).ShouldBe(2);
        _err.ToString().ShouldContain("FILENAME");
    }

    [Fact]
    public async Task Client_with_a_name_over_1024_bytes_exits_2()
    {
        (await RunAsync("files", "client", "127.0.0.1", "5001", new string('é', 513))).ShouldBe(2);
        _err.ToString().ShouldContain("error: FILENAME is 1026 bytes in UTF-8, expected at most 1024");
    }

    [Fact]
    public async Task Client_refuses_an_existing_file_with_exit_1()
    {
        var existing = Path.Join(_dir, "here.txt");
        File.WriteAllText(existing, "keep me");

        (await RunAsync("files", "client", "127.0.0.1", FreePort().ToString(), existing)).ShouldBe(1);
        _err.ToString().ShouldBe($"error: '{existing}' already exists here; not overwriting it{Environment.NewLine}");
        File.ReadAllText(existing).ShouldBe("keep me");
    }

    [Fact]
    public async Task Client_that_cannot_connect_exits_1()
    {
        var port = FreePort();
        (await RunAsync("files", "client", "127.0.0.1", port.ToString(), Path.Join(_dir, "new.txt"))).ShouldBe(1);
        _err.ToString().ShouldStartWith($"error: cannot connect to 127.0.0.1 port {port}");
        Directory.GetFileSystemEntries(_dir).ShouldBeEmpty();
    }

    [Fact]
    public async Task Client_with_an_unresolvable_host_exits_1()
    {
        (await RunAsync("files", "client", "no-such-host.invalid", "5001", Path.Join(_dir, "new.txt"))).ShouldBe(1);
        _err.ToString().ShouldStartWith("error: cannot resolve host 'no-such-host.invalid'");
    }

    [Fact]
    public async Task Server_with_a_missing_root_exits_1()
    {
        var missing = Path.Join(_dir, "absent");
        (await RunAsync("files", "server", FreePort().ToString(), "--root", missing)).ShouldBe(1);
        _err.ToString().ShouldBe($"error: --root '{missing}' does not exist{Environment.NewLine}");
    }

    [Fact]
    public async Task Server_serves_the_root_and_exits_0_on_shutdown()
    {
        File.WriteAllText(Path.Join(_dir, "served.txt"), "from the cli");
        var port = FreePort();
        using var shutdown = new CancellationTokenSource();
        var server = RunAsync(shutdown.Token, "files", "server", port.ToString(), "--root", _dir, "--bind", "127.0.0.1", "--quiet");

        var client = await ConnectWhenListeningAsync(port, server);
        await using (client)
        {
            await client.SendAsync(FileRequestCodec.Encode(FileRequest.For("served.txt")));
            var response = await client.ReadToEndAsync();
            response[8..].ShouldBe("from the cli"u8.ToArray());
        }
        await shutdown.CancelAsync();
        (await server.Within()).ShouldBe(0);
    }
}
