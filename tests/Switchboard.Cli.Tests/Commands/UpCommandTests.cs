using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Commands;

public sealed class UpCommandTests
{
    [Fact]
    public async Task Up_serves_every_service_and_stops_cleanly_on_shutdown()
    {
        using var dir = new TempDirectory();
        var shared = Path.Combine(dir.Path, "shared");
        int mailboxPort = FreePort.OnLoopback(), filesPort = FreePort.OnLoopback(), echoPort = FreePort.OnLoopback(), chatPort = FreePort.OnLoopback(), webPort = FreePort.OnLoopback();
        using var shutdown = new CancellationTokenSource();
        var up = CliRun.WithInputAsync(string.Empty, shutdown.Token,
            "up", "--bind", "127.0.0.1", "--quiet",
            "--mailbox-port", mailboxPort.ToString(), "--mailbox-store", $"sqlite:{Path.Combine(dir.Path, "m.db")}",
            "--files-port", filesPort.ToString(), "--files-root", shared,
            "--echo-port", echoPort.ToString(),
            "--chat-port", chatPort.ToString(), "--chat-observer-port", FreePort.OnLoopback().ToString(), "--chat-web-port", webPort.ToString());

        var create = await MailboxCommandTests.RetryUntilListening(() =>
            CliRun.WithInputAsync("bob\nvia up\n", "mailbox", "client", "127.0.0.1", mailboxPort.ToString(), "al", "create"));
        create.ExitCode.ShouldBe(0, create.Error);
        Directory.Exists(shared).ShouldBeTrue("up creates the shared folder");

        await File.WriteAllTextAsync(Path.Combine(shared, "hello.txt"), "hello from up");
        await using (var files = await RawTcp.ConnectAsync(filesPort))
        {
            byte[] request = [0x49, 0x7E, 1, 0, 9, .. "hello.txt"u8.ToArray()];
            await files.SendAsync(request);
            var response = await files.ReadToEndAsync();
            response[..4].ShouldBe(new byte[] { 0x49, 0x7E, 2, 1 });
            System.Text.Encoding.UTF8.GetString(response[8..]).ShouldBe("hello from up");
        }

        var read = await CliRun.RunAsync("mailbox", "client", "127.0.0.1", mailboxPort.ToString(), "bob", "read");
        read.Out.ShouldBe("al: via up\n");

        var echo = await MailboxCommandTests.RetryUntilListening(() =>
            CliRun.WithInputAsync("0123456789 echoed through up\n", "echo", "client", "127.0.0.1", echoPort.ToString()));
        echo.ExitCode.ShouldBe(0, echo.Error);
        echo.Out.ShouldBe(" echoed through up\n");

        await using (var chat = await RawTcp.ConnectAsync(chatPort))
        {
            (await chat.ReadExactlyAsync(10)).ShouldBe("\0\0\0\u0006accept"u8.ToArray());
        }
        using (var http = new HttpClient())
        {
            (await http.GetStringAsync($"http://127.0.0.1:{webPort}/").Within()).ShouldContain("<title>Switchboard chat</title>");
        }

        shutdown.Cancel();
        var result = await up.Within();
        result.ExitCode.ShouldBe(0, result.Error);
    }

    [Fact]
    public async Task A_taken_port_stops_up_with_a_clear_error()
    {
        using var dir = new TempDirectory();
        var taken = FreePort.OnLoopback();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, taken);
        squatter.Start();
        var run = await CliRun.RunAsync("up", "--bind", "127.0.0.1", "--mailbox-store", "memory",
            "--chat-port", FreePort.OnLoopback().ToString(), "--chat-observer-port", FreePort.OnLoopback().ToString(), "--chat-web-port", FreePort.OnLoopback().ToString(), "--echo-port", FreePort.OnLoopback().ToString(),
            "--mailbox-port", FreePort.OnLoopback().ToString(), "--files-port", taken.ToString(), "--files-root", dir.Path).Within();
        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain($"files on 127.0.0.1 port {taken}");
        run.Error.ShouldContain("address already in use");
    }

    [Fact]
    public async Task A_taken_echo_port_stops_up_with_a_clear_error()
    {
        using var dir = new TempDirectory();
        var taken = FreePort.OnLoopback();
        using var squatter = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, taken);
        squatter.Start();
        var run = await CliRun.RunAsync("up", "--bind", "127.0.0.1", "--mailbox-store", "memory",
            "--chat-port", FreePort.OnLoopback().ToString(), "--chat-observer-port", FreePort.OnLoopback().ToString(), "--chat-web-port", FreePort.OnLoopback().ToString(), "--files-root", dir.Path,
            "--mailbox-port", FreePort.OnLoopback().ToString(), "--files-port", FreePort.OnLoopback().ToString(), "--echo-port", taken.ToString()).Within();
        run.ExitCode.ShouldBe(1);
        run.Error.ShouldContain($"port {taken}");
        run.Error.ShouldContain("address already in use");
    }

    [Fact]
    public async Task Two_services_on_one_port_is_a_usage_error_before_anything_is_created()
    {
        using var dir = new TempDirectory();
        var store = Path.Combine(dir.Path, "m.db");
        var shared = Path.Combine(dir.Path, "shared");
        var result = await CliRun.RunAsync("up", "--mailbox-port", "6500", "--files-port", "6500",
            "--mailbox-store", $"sqlite:{store}", "--files-root", shared);
        result.ExitCode.ShouldBe(2, result.Error);
        result.Error.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal))
            .ShouldBe(["error: --mailbox-port and --files-port are both port 6500: each service needs a port of its own"]);
        File.Exists(store).ShouldBeFalse();
        Directory.Exists(shared).ShouldBeFalse();
    }

    [Fact]
    public async Task A_port_given_equal_to_another_services_default_is_a_clash_too()
    {
        var result = await CliRun.RunAsync("up", "--echo-port", "5001", "--mailbox-store", "memory");
        result.ExitCode.ShouldBe(2, result.Error);
        result.Error.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal))
            .ShouldBe(["error: --files-port and --echo-port are both port 5001: each service needs a port of its own"]);
    }
}
