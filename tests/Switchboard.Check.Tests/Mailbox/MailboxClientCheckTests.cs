using Switchboard.Check.Core;
using Switchboard.Check.Mailbox;

namespace Switchboard.Check.Tests.Mailbox;

/// <summary>The mailbox client cases judged both ways: every case passes against good clients, and each broken client is caught by its case.</summary>
public sealed class MailboxClientCheckTests
{
    private static readonly MailboxClientSuite Suite = new();

    private static readonly string[] Controls = ["read-request", "read-messages", "bad-id"];

    private static CaseContext With(ClientProgram client) => new() { Service = "mailbox", Mode = CheckMode.Client, Client = client };

    [Fact]
    public async Task Every_case_passes_against_our_client()
    {
        var report = await Peers.CheckAsync(Suite, With(Peers.OurClient("mailbox")));
        report.ShouldAllPass();
        report.Cases.Count.ShouldBe(Suite.Cases.Count);
    }

    [Fact]
    public async Task Every_case_passes_against_a_correct_handout_style_python_client()
    {
        var report = await Peers.CheckAsync(Suite, With(Peers.BrokenClient("mailbox_client.py", "none")));
        report.ShouldAllPass();
    }

    [Theory]
    [InlineData("traceback", "bad-magic", "traceback")]
    [InlineData("traceback", "invalid-utf8", "traceback")]
    [InlineData("no-timeout", "gap", "still running")]
    [InlineData("ignore-magic", "bad-magic", "was accepted")]
    [InlineData("no-port-check", "port-above-range", "connected anyway")]
    [InlineData("single-recv", "large-response", "printed whole")]
    [InlineData("ignore-more-msgs", "more-msgs", "not noted")]
    public async Task A_broken_client_is_caught_by_the_case_meant_for_it(string flaw, string caughtBy, string reasonFragment)
    {
        var controls = flaw == "traceback" ? ["read-request", "read-messages"] : Controls;
        var report = await Peers.CheckAsync(Suite, With(Peers.BrokenClient("mailbox_client.py", flaw)), [.. controls, caughtBy]);
        var caught = report.Case(caughtBy);
        caught.Verdict.ShouldBe(Verdict.Fail, Reporting.TextReport.Table(report));
        caught.Reason.ShouldContain(reasonFragment, Case.Insensitive);
        report.Cases.Where(c => c.Id != caught.Id).ShouldAllBe(c => c.Verdict == Verdict.Pass, Reporting.TextReport.Table(report));
    }

    [Fact]
    public async Task A_command_that_fixes_its_arguments_skips_the_cases_that_need_others_and_runs_the_rest()
    {
        var client = Peers.BrokenClient("mailbox_client.py", "none", "{host}", "{port}", "alice", "read");
        var report = await Peers.CheckAsync(Suite, With(client), "read-request", "bad-magic");
        report.Case("read-request").Verdict.ShouldBe(Verdict.Skip);
        report.Case("bad-magic").Verdict.ShouldBe(Verdict.Pass, Reporting.TextReport.Table(report));
    }
}
