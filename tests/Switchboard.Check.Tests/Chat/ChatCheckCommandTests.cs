using System.Net;
using Switchboard.Check.Tests.Cli;
using Switchboard.Services.Chat;

namespace Switchboard.Check.Tests.Chat;

/// <summary><c>switchboard check chat server</c> on the command line.</summary>
public sealed class ChatCheckCommandTests
{
    private static Task<(int Code, string Out, string Error)> RunAsync(params string[] args) => CheckCli.RunAsync(args);

    [Fact]
    public async Task Check_chat_server_runs_the_chat_cases_against_a_running_server()
    {
        await using var server = await ChatServer.StartAsync(new ChatServerOptions { Bind = IPAddress.Loopback, Port = 0, ObserverPort = 0 }, null, CancellationToken.None);
        var port = server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

        var (code, output, error) = await RunAsync("check", "chat", "server", "127.0.0.1", port, "--skip", "username-timeout,full-at-255");

        code.ShouldBe(0, output + error);
        output.ShouldContain("PASS  chat.server.private-not-to-others");
        output.ShouldContain($"chat server at 127.0.0.1:{port}: 19 passed, 0 failed, 0 skipped (19 cases");
    }

    [Theory]
    [InlineData("check", "chat", "server", "127.0.0.1", "70000")]
    [InlineData("check", "chat", "server", "127.0.0.1", "5000", "--only", "no-such-case")]
    [InlineData("check", "chat", "client", "--", "python3", "client.py")]
    public async Task Exit_2_for_usage_errors(params string[] args)
    {
        var (code, _, error) = await RunAsync(args);
        code.ShouldBe(2, error);
        error.ShouldStartWith("error: ");
    }
}
