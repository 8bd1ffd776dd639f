using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Processes;

public sealed class ServerProcessTests
{
    private static async Task CreateAsync(int port, string sender, string receiver, string text)
    {
        await using var tcp = await RawTcp.ConnectAsync(port);
        await tcp.SendAsync(MessageRequestCodec.Encode(MessageRequest.Create(sender, receiver, text)));
        (await tcp.ReadToEndAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task Sigterm_stops_the_server_gracefully_with_exit_0()
    {
        using var dir = new TempDirectory();
        var port = FreePort.OnLoopback();
        await using var server = SwitchboardProcess.Start("mailbox", "server", port.ToString(), "--store", $"sqlite:{Path.Combine(dir.Path, "m.db")}", "--bind", "127.0.0.1");
        await server.WaitForStderrAsync("listening on");
        await CreateAsync(port, "al", "bob", "before the signal");
        await server.TerminateAsync();
        (await server.WaitForExitAsync()).ShouldBe(0, server.Stderr);
        server.Stderr.ShouldContain("stopped");
        // The WAL was checkpointed into the database on the way out.
        File.Exists(Path.Combine(dir.Path, "m.db-wal")).ShouldBeFalse();
    }

    [Fact]
    public async Task Messages_survive_kill_9()
    {
        using var dir = new TempDirectory();
        var db = Path.Combine(dir.Path, "m.db");
        var port = FreePort.OnLoopback();
        await using (var server = SwitchboardProcess.Start("mailbox", "server", port.ToString(), "--store", $"sqlite:{db}", "--bind", "127.0.0.1"))
        {
            await server.WaitForStderrAsync("listening on");
            for (var i = 0; i < 20; i++)
            {
                await CreateAsync(port, "al", "bob", $"message {i}");
            }
            // Each create is acknowledged only by the server closing the connection after storing it.
            await server.WaitForStderrAsync("'al' for 'bob'");
            server.KillHard();
            await server.WaitForExitAsync();
        }
        await using var store = await SqliteMailboxStore.OpenAsync(db);
        (await store.ClaimAsync("bob", 255, default)).Messages.Select(m => m.Text).ShouldBe(Enumerable.Range(0, 20).Select(i => $"message {i}"));
    }

    [Fact]
    public async Task A_port_in_use_exits_1_with_a_clear_error()
    {
        var port = FreePort.OnLoopback();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, port);
        squatter.Start();
        await using var server = SwitchboardProcess.Start("mailbox", "server", port.ToString(), "--bind", "127.0.0.1", "--store", "memory");
        (await server.WaitForExitAsync()).ShouldBe(1);
        server.Stderr.ShouldContain($"error: cannot listen (mailbox on 127.0.0.1 port {port}): address already in use");
        server.Stderr.ShouldNotContain("   at ");
    }

    [Fact]
    public async Task Up_stops_every_server_on_sigterm_with_exit_0()
    {
        using var dir = new TempDirectory();
        int mailboxPort = FreePort.OnLoopback(), filesPort = FreePort.OnLoopback(), echoPort = FreePort.OnLoopback();
        await using var up = SwitchboardProcess.Start("up", "--bind", "127.0.0.1",
            "--mailbox-port", mailboxPort.ToString(), "--mailbox-store", $"sqlite:{Path.Combine(dir.Path, "m.db")}",
            "--files-port", filesPort.ToString(), "--files-root", Path.Combine(dir.Path, "shared"), "--echo-port", echoPort.ToString(),
            "--chat-port", FreePort.OnLoopback().ToString(), "--chat-observer-port", FreePort.OnLoopback().ToString(),
            "--chat-web-port", FreePort.OnLoopback().ToString());
        await up.WaitForStderrAsync($"echo listening on 127.0.0.1:{echoPort}");
        await up.WaitForStderrAsync($"files listening on 127.0.0.1:{filesPort}");
        await up.WaitForStderrAsync($"mailbox listening on 127.0.0.1:{mailboxPort}");
        await CreateAsync(mailboxPort, "al", "bob", "before the signal");
        await up.TerminateAsync();
        (await up.WaitForExitAsync()).ShouldBe(0, up.Stderr);
        up.Stderr.ShouldContain("stopped");
    }
}
