using System.Net.WebSockets;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Commands.Chat;

/// <summary><c>chat server --web-port</c> and <c>up --chat-web-port</c>: the page for browsers beside the TCP ports.</summary>
public sealed class ChatWebCommandTests
{
    [Fact]
    public async Task The_server_serves_its_page_and_takes_WebSockets_from_the_allowed_origins()
    {
        int port = FreePort.OnLoopback(), observers = FreePort.OnLoopback(), web = FreePort.OnLoopback();
        using var shutdown = new CancellationTokenSource();
        var run = CliRun.WithInputAsync(string.Empty, shutdown.Token, "chat", "server", "--ip", "127.0.0.1", "--port", port.ToString(),
            "--observer-port", observers.ToString(), "--web-port", web.ToString(), "--web-allowed-origin", "https://chat.example.org", "--quiet");
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{web}/") };
        string? page = null;
        await Deadline.Until(() =>
        {
            try
            {
                page = http.GetStringAsync("/").GetAwaiter().GetResult();
                return true;
            }
            catch (HttpRequestException)
            {
                return false;
            }
        }, "the chat's web port listening");
        page!.ShouldContain("<title>Switchboard chat</title>");
        (await http.GetStringAsync("/info.json")).ShouldBe($"{{\"port\":{port},\"observerPort\":{observers}}}");

        using (var socket = new ClientWebSocket())
        {
            socket.Options.SetRequestHeader("Origin", "https://chat.example.org");
            await socket.ConnectAsync(new Uri($"ws://127.0.0.1:{web}/chat"), CancellationToken.None).Within();
            var buffer = new byte[64];
            var received = await socket.ReceiveAsync(buffer, CancellationToken.None).Within();
            buffer[..received.Count].ShouldBe("\0\0\0\u0006accept"u8.ToArray());
        }
        await shutdown.CancelAsync();
        (await run.Within()).ExitCode.ShouldBe(0);
    }

    [Fact]
    public async Task Web_options_that_cannot_work_are_usage_errors_naming_the_value()
    {
        var lone = await CliRun.RunAsync("chat", "server", "--ip", "127.0.0.1", "--port", "8021", "--web-allowed-origin", "https://a.example");
        lone.ExitCode.ShouldBe(2);
        lone.Error.ShouldContain("--web-allowed-origin is only for --web-port");

        var bad = await CliRun.RunAsync("chat", "server", "--ip", "127.0.0.1", "--port", "8021", "--web-port", "8080", "--web-allowed-origin", "a.example/chat");
        bad.ExitCode.ShouldBe(2);
        bad.Error.ShouldContain("allowed origin 'a.example/chat' is not an origin");

        var same = await CliRun.RunAsync("chat", "server", "--ip", "127.0.0.1", "--port", "8021", "--web-port", "8022");
        same.ExitCode.ShouldBe(2);
        same.Error.ShouldContain("--web-port 8022 is already the chat's observers' port");

        var port = await CliRun.RunAsync("chat", "server", "--ip", "127.0.0.1", "--port", "8021", "--web-port", "0");
        port.ExitCode.ShouldBe(2);
        port.Error.ShouldContain("--web-port '0' is not a port number");
    }

    [Fact]
    public async Task Up_counts_the_web_port_in_its_clash_check()
    {
        var result = await CliRun.RunAsync("up", "--chat-web-port", "8021", "--mailbox-store", "memory");
        result.ExitCode.ShouldBe(2, result.Error);
        result.Error.Split('\n').Where(l => l.StartsWith("error:", StringComparison.Ordinal))
            .ShouldBe(["error: --chat-port and --chat-web-port are both port 8021: each service needs a port of its own"]);
    }
}
