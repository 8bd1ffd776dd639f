using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Processes;

public sealed class LoggingProcessTests
{
    [Fact]
    public async Task Verbose_logs_carry_no_web_hosting_lines()
    {
        var port = FreePort.OnLoopback();
        await using var server = SwitchboardProcess.Start("mailbox", "server", port.ToString(), "--store", "memory", "--bind", "127.0.0.1", "--verbose");
        await server.WaitForStderrAsync($"mailbox listening on 127.0.0.1:{port}");
        await server.TerminateAsync();
        (await server.WaitForExitAsync()).ShouldBe(0, server.Stderr);
        // A TCP service has no web content, environment or http:// address to report.
        server.Stderr.ShouldNotContain("Now listening on");
        server.Stderr.ShouldNotContain("http://");
        server.Stderr.ShouldNotContain("Hosting environment");
        server.Stderr.ShouldNotContain("Content root path");
        server.Stderr.ShouldNotContain("Application started");
        server.Stderr.ShouldContain("stopped");
    }
}
