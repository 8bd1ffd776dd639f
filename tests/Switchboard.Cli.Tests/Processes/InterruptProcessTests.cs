using System.Diagnostics;
using System.Net;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Services.Talk;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Talk;
using Switchboard.Transport.Observability;

namespace Switchboard.Cli.Tests.Processes;

/// <summary>
/// Ctrl+C (SIGINT) ends every client at once, waiting at a keyboard prompt with stdin an open pipe or
/// waiting on the network, with one message and one exit code.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class InterruptProcessTests
{
    /// <summary>Well under the 10 s a test may take, and far more than a prompt exit needs.</summary>
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(5);

    private static async Task ShouldEndInterruptedAsync(SwitchboardProcess client)
    {
        var clock = Stopwatch.StartNew();
        await client.InterruptAsync();
        var code = await client.WaitForExitAsync();
        clock.Elapsed.ShouldBeLessThan(Promptly);
        code.ShouldBe(ExitCodes.Failure, client.Stderr);
        client.Stderr.ShouldEndWith("error: interrupted" + Environment.NewLine);
    }

    [Fact]
    public async Task The_echo_client_at_its_prompt()
    {
        var port = FreePort.OnLoopback();
        await using var server = SwitchboardProcess.Start("echo", "server", "--port", port.ToString(), "--bind", "127.0.0.1");
        await server.WaitForStderrAsync("listening on");
        await using var client = SwitchboardProcess.Start("echo", "client", "127.0.0.1", port.ToString());
        // One exchange first, so the client is surely back waiting for the next line of input.
        await client.TypeAsync("0123456789hello");
        await client.WaitForStdoutAsync("hello");
        await ShouldEndInterruptedAsync(client);
    }

    [Fact]
    public async Task The_mailbox_client_at_its_create_prompt()
    {
        var port = FreePort.OnLoopback();
        await using var client = SwitchboardProcess.Start("mailbox", "client", "127.0.0.1", port.ToString(), "alice", "create");
        // An empty answer is refused on a line of its own; the prompt is then asked again.
        await client.TypeAsync("");
        await client.WaitForStderrAsync("empty");
        await ShouldEndInterruptedAsync(client);
    }

    [Fact]
    public async Task The_talk_client_at_its_prompt()
    {
        using var op = new ScriptedInput();
        var opErr = new CapturedOutput();
        await using var server = await TalkServer.StartAsync(
            new TalkServerOptions { Bind = IPAddress.Loopback },
            TalkTerminal.ForServer(new ConsoleStreams(op.Reader, new CapturedOutput(), opErr), Verbosity.Normal),
            null,
            CancellationToken.None);
        await using var client = SwitchboardProcess.Start("talk", "client", "127.0.0.1", server.Port.ToString());
        await client.WaitForStderrAsync("connected to");
        await ShouldEndInterruptedAsync(client);
        // The caller's interruption is a hang-up to the server, which goes on.
        await opErr.WaitForAsync("hung up");
    }
}
