using Switchboard.Check.Core;
using Switchboard.Check.Talk;

namespace Switchboard.Check.Tests.Talk;

/// <summary>
/// The talk server cases judged both ways. Each case launches its server (its stdin is the server's person), so
/// these runs start a process per case: the broken servers run only the cases that matter for them.
/// </summary>
public sealed class TalkServerCheckTests
{
    private static readonly TalkServerSuite Suite = new();

    [Fact]
    public async Task Every_case_passes_against_our_server_launched_by_the_checker()
    {
        var report = await Launched.CheckAsync(Suite, Launched.OurServer("talk", "{port}"), Launched.Generous);
        report.ShouldAllPass();
        report.Cases.Count.ShouldBe(Suite.Cases.Count);
    }

    [Fact]
    public async Task Given_host_and_port_only_waits_for_caller_runs_and_the_rest_skip()
    {
        // A server whose person says nothing: what the checker can judge without typing for them.
        await using var silent = ScriptedServer.Start((connection, ct) => connection.ReadToCloseAsync(TimeSpan.FromSeconds(5), ct));
        var context = new CaseContext { Service = "talk", Mode = CheckMode.Server, Host = silent.Host, Port = silent.Port };

        var report = await Launched.CheckAsync(Suite, context, CheckOptions.For(CheckMode.Server));

        var table = Reporting.TextReport.Table(report);
        report.Case("waits-for-caller").Verdict.ShouldBe(Verdict.Pass, table);
        report.Cases.Where(c => !c.Id.EndsWith("waits-for-caller", StringComparison.Ordinal)).ShouldAllBe(c => c.Verdict == Verdict.Skip, table);
    }

    [Theory]
    [InlineData("talk_server_single_recv.py", "long-line", "was not printed whole")]
    [InlineData("talk_server_speaks_first.py", "waits-for-caller", "spoke before the caller")]
    [InlineData("talk_server_one_caller.py", "next-caller-after-hang-up", "the server is not running")]
    public async Task A_broken_server_is_caught_by_the_case_meant_for_it(string script, string caughtBy, string reasonFragment)
    {
        // speaks_first answers every caller before it speaks, so no other case can pass against it.
        string[] controls = script == "talk_server_speaks_first.py" ? [] : ["first-exchange"];
        var report = await Launched.CheckAsync(Suite, Launched.PythonServer("talk", script), CheckOptions.For(CheckMode.Server), [.. controls, caughtBy]);
        report.ShouldBeCaughtBy(caughtBy, reasonFragment);
    }
}
