using Switchboard.Check.Core;
using Switchboard.Check.Echo;
using Switchboard.Services.Echo;

namespace Switchboard.Check.Tests.Echo;

/// <summary>The echo server cases judged both ways: all pass against good servers, each broken server is caught by its case.</summary>
public sealed class EchoServerCheckTests
{
    private static readonly EchoServerSuite Suite = new();

    private static readonly string[] Controls = ["1a-short-message", "1d-series", "3a-next-client"];

    [Fact]
    public async Task Every_case_passes_against_our_server_launched_by_the_checker()
    {
        var report = await Launched.CheckAsync(Suite, Launched.OurServer("echo", "--port", "{port}"), Launched.Generous);
        report.ShouldAllPass();
        report.Cases.Count.ShouldBe(Suite.Cases.Count);
    }

    [Fact]
    public async Task Given_host_and_port_every_case_but_the_shutdown_passes_against_our_buffered_server()
    {
        using var stop = new CancellationTokenSource();
        await using var server = new BufferedServer("127.0.0.1", 0, 4096);
        var running = server.RunAsync(stop.Token);
        var context = new CaseContext { Service = "echo", Mode = CheckMode.Server, Host = "127.0.0.1", Port = server.Port };

        var report = await Launched.CheckAsync(Suite, context, CheckOptions.For(CheckMode.Server));

        var table = Reporting.TextReport.Table(report);
        report.Case("2a-server-shutdown").Verdict.ShouldBe(Verdict.Skip, table);
        report.Cases.Where(c => !c.Id.EndsWith("2a-server-shutdown", StringComparison.Ordinal)).ShouldAllBe(c => c.Verdict == Verdict.Pass, table);
        await stop.CancelAsync();
        await running;
    }

    [Fact]
    public async Task Every_case_passes_against_a_correct_handout_style_python_server()
    {
        var report = await Launched.CheckAsync(Suite, Launched.PythonServer("echo", "echo_server_base.py"), CheckOptions.For(CheckMode.Server));
        report.ShouldAllPass();
    }

    [Theory]
    [InlineData("echo_server_slices_bytes.py", "characters-not-bytes", "drops 10 characters, not 10 bytes")]
    [InlineData("echo_server_single_recv.py", "1c-long-message", "expected payload_length 20473")]
    [InlineData("echo_server_crashes_on_reset.py", "client-resets", "ConnectionResetError")]
    [InlineData("echo_server_empty_is_close.py", "empty-message", "expected 00 00 00 00")]
    public async Task A_broken_server_is_caught_by_the_case_meant_for_it(string script, string caughtBy, string reasonFragment)
    {
        // The single-recv server also fails 1d (its second message is long), so it gets controls of short messages only.
        string[] controls = script == "echo_server_single_recv.py" ? ["1a-short-message", "3a-next-client"] : Controls;
        var report = await Launched.CheckAsync(Suite, Launched.PythonServer("echo", script), CheckOptions.For(CheckMode.Server), [.. controls, caughtBy]);
        report.ShouldBeCaughtBy(caughtBy, reasonFragment);
    }
}
