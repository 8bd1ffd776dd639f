
namespace Switchboard.Check.Tests.Cli;

/// <summary><c>switchboard check SERVICE server -- COMMAND</c>: the checker launches the server under test itself.</summary>
public sealed class CheckLaunchModeTests
{
    private static Task<(int Code, string Out, string Error)> RunAsync(params string[] args) => CheckCli.RunAsync(args);

    [Fact]
    public async Task A_launched_server_is_checked_and_a_failing_case_exits_1_with_the_bytes_in_its_reason()
    {
        var script = Peers.BrokenScript("echo_server_slices_bytes.py");
        var (code, output, _) = await RunAsync("check", "echo", "server", "--only", "1a-short-message,characters-not-bytes", "--", "python3", script, "{port}");

        code.ShouldBe(1, output);
        output.ShouldContain("PASS  echo.server.1a-short-message");
        output.ShouldContain("FAIL  echo.server.characters-not-bytes");
        output.ShouldContain("got 23 (header 00 00 00 17");
        output.ShouldContain("echo server launched python3");
        output.ShouldContain(": 1 passed, 1 failed, 0 skipped");
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.1", "70000")]
    [InlineData("127.0.0.1", "5000", "extra")]
    public async Task A_target_that_is_neither_host_port_nor_a_command_is_a_usage_error(params string[] target)
    {
        var (code, _, error) = await RunAsync(["check", "files", "server", .. target]);
        code.ShouldBe(2);
        error.ShouldStartWith("error: ");
    }
}
