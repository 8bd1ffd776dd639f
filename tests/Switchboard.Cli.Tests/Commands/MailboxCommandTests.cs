using System.Net;
using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;

namespace Switchboard.Cli.Tests.Commands;

public sealed class MailboxCommandTests
{
    [Theory]
    [InlineData(new[] { "mailbox", "client", "localhost", "5000", "bob" }, "Required argument 'TYPE' missing")]
    [InlineData(new[] { "mailbox", "client", "localhost", "5000", "bob", "read", "extra" }, "Unrecognized command or argument 'extra'")]
    [InlineData(new[] { "mailbox", "client", "localhost", "1023", "bob", "read" }, "PORT 1023 is out of range: must be 1024-64000")]
    [InlineData(new[] { "mailbox", "client", "localhost", "64001", "bob", "read" }, "PORT 64001 is out of range")]
    [InlineData(new[] { "mailbox", "client", "localhost", "50x0", "bob", "read" }, "PORT '50x0' is not a port number")]
    [InlineData(new[] { "mailbox", "client", "localhost", "5000", "bob", "delete" }, "TYPE 'delete' is not a request type: use read or create")]
    [InlineData(new[] { "mailbox", "client", "localhost", "5000", "", "read" }, "USER must be 1-255 bytes of UTF-8, got 0 bytes")]
    [InlineData(new[] { "mailbox", "server", "80" }, "PORT 80 is out of range")]
    [InlineData(new[] { "mailbox", "server", "5000", "--store", "redis:x" }, "--store 'redis:x' is not a store")]
    [InlineData(new[] { "mailbox", "server", "5000", "--bind", "nowhere" }, "--bind 'nowhere' is not an IP address")]
    [InlineData(new[] { "mailbox", "server", "5000", "--gap-timeout", "-1" }, "--gap-timeout '-1' is not a number of seconds")]
    [InlineData(new[] { "mailbox", "server", "5000", "--quiet", "--verbose" }, "--quiet and --verbose cannot be used together")]
    public async Task Usage_errors_exit_2_and_name_the_value(string[] args, string message)
    {
        var run = await CliRun.RunAsync(args);
        run.ExitCode.ShouldBe(2);
        run.Error.ShouldContain($"error: {message}");
        run.Out.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_user_name_over_255_bytes_is_a_usage_error()
    {
        var run = await CliRun.RunAsync("mailbox", "client", "localhost", "5000", new string('é', 128), "read");
        run.ExitCode.ShouldBe(2);
        run.Error.ShouldContain("got 256 bytes");
    }

    [Fact]
    public async Task A_refused_connection_exits_1_with_the_host_and_port()
    {
        var port = FreePort.OnLoopback();
        var run = await CliRun.RunAsync("mailbox", "client", "127.0.0.1", port.ToString(), "bob", "read");
        run.ExitCode.ShouldBe(1);
        run.Error.ShouldBe($"error: cannot connect to 127.0.0.1 port {port}: connection refused\n");
    }

    [Fact]
    public async Task An_unresolvable_host_exits_1()
    {
        var run = await CliRun.RunAsync("mailbox", "client", "no-such-host.invalid", "5000", "bob", "read");
        run.ExitCode.ShouldBe(1);
        run.Error.ShouldStartWith("error: cannot resolve host 'no-such-host.invalid'");
    }

    [Fact]
    public async Task Create_and_read_through_the_cli()
    {
        await using var store = new MemoryMailboxStore();
        await using var host = await TcpServerHost.StartAsync(
            [MailboxEndpoint.At(IPAddress.Loopback, 0)], ServerHostOptions.Default,
            s => MailboxEndpoint.Register(s, new MailboxServerOptions(), store), null, CancellationToken.None);
        var port = host.PortOf(MailboxServer.ServiceName).ToString();

        var create = await CliRun.WithInputAsync("bob\nHello, Bob ☃\n", "mailbox", "client", "127.0.0.1", port, "alice", "create");
        create.ExitCode.ShouldBe(0, create.Error);
        create.Out.ShouldBeEmpty();
        await Deadline.Until(() => store.CountAsync("bob", default).AsTask().Result == 1, "message stored");

        var read = await CliRun.RunAsync("mailbox", "client", "localhost", port, "bob", "read");
        read.ExitCode.ShouldBe(0, read.Error);
        read.Out.ShouldBe("alice: Hello, Bob ☃\n");

        var empty = await CliRun.RunAsync("mailbox", "client", "localhost", port, "bob", "read");
        empty.ExitCode.ShouldBe(0);
        empty.Out.ShouldBeEmpty();
        empty.Error.ShouldContain("no messages for 'bob'");
    }

    [Fact]
    public async Task Create_with_stdin_ending_exits_1_instead_of_looping()
    {
        var run = await CliRun.WithInputAsync("\n\n", "mailbox", "client", "127.0.0.1", "5000", "alice", "create").Within();
        run.ExitCode.ShouldBe(1);
        run.Error.ShouldEndWith("error: input ended before a valid receiver name was entered\n");
    }

    [Fact]
    public async Task Server_runs_until_shutdown_then_exits_0_and_keeps_messages()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "m.db");
        var port = FreePort.OnLoopback();
        using var shutdown = new CancellationTokenSource();
        var server = CliRun.WithInputAsync(string.Empty, shutdown.Token, "mailbox", "server", port.ToString(), "--store", $"sqlite:{db}", "--bind", "127.0.0.1", "--quiet");
        var create = await RetryUntilListening(() => CliRun.WithInputAsync("bob\nkept\n", "mailbox", "client", "127.0.0.1", port.ToString(), "al", "create"));
        create.ExitCode.ShouldBe(0, create.Error);
        shutdown.Cancel();
        (await server.Within()).ExitCode.ShouldBe(0);

        await using var store = await SqliteMailboxStore.OpenAsync(db);
        (await store.ClaimAsync("bob", 255, default)).Messages.ShouldBe([new MailboxMessage("al", "kept")]);
    }

    /// <summary>The in-process server starts asynchronously; a refused connection before it listens is retried.</summary>
    internal static async Task<CliRun> RetryUntilListening(Func<Task<CliRun>> run)
    {
        var end = DateTime.UtcNow + Deadline.Default;
        while (true)
        {
            var result = await run();
            if (!result.Error.Contains("connection refused") || DateTime.UtcNow > end)
            {
                return result;
            }
            await Task.Delay(20);
        }
    }
}
