using Switchboard.Check.Core;
using Switchboard.Check.Mailbox;
using Switchboard.Services.Mailbox;
using Switchboard.Tests.Shared;

namespace Switchboard.Check.Tests.Mailbox;

/// <summary>The mailbox server cases judged both ways: every case passes against good servers, and each broken server is caught by its case.</summary>
public sealed class MailboxServerCheckTests
{
    private static readonly MailboxServerSuite Suite = new();

    /// <summary>Cases a flaw in another area must not disturb.</summary>
    private static readonly string[] Controls = ["read-empty", "create-then-read", "fifo-order", "utf8-names"];

    private static CaseContext At(int port) => new() { Service = "mailbox", Mode = CheckMode.Server, Host = "127.0.0.1", Port = port };

    [Fact]
    public async Task Every_case_passes_against_our_server()
    {
        await using var server = await Peers.StartOurMailboxServerAsync();
        var report = await Peers.CheckAsync(Suite, At(server.PortOf(MailboxServer.ServiceName)));
        report.ShouldAllPass();
        report.Cases.Count.ShouldBe(Suite.Cases.Count);
    }

    [Fact]
    public async Task Every_case_passes_against_a_correct_handout_style_python_server()
    {
        await using var server = await BrokenServer.StartAsync("mailbox_server.py", "none");
        var report = await Peers.CheckAsync(Suite, At(server.Port));
        report.ShouldAllPass();
    }

    [Theory]
    [InlineData("ignore-magic", "bad-magic", "was stored")]
    [InlineData("truncate-at-4k", "large-message", "65535 bytes")]
    [InlineData("no-more-msgs", "more-msgs", "MoreMsgs 1")]
    [InlineData("no-delete", "deleted-once-read", "second read")]
    [InlineData("lifo", "fifo-order", "message 1 of 3")]
    [InlineData("accept-extra-bytes", "body-long", "was stored")]
    [InlineData("no-timeout", "silent-connection", "still open")]
    public async Task A_broken_server_is_caught_by_the_case_meant_for_it(string flaw, string caughtBy, string reasonFragment)
    {
        await using var server = await BrokenServer.StartAsync("mailbox_server.py", flaw);
        var report = await Peers.CheckAsync(Suite, At(server.Port), [.. Controls.Where(c => c != caughtBy), caughtBy]);
        var caught = report.Case(caughtBy);
        caught.Verdict.ShouldBe(Verdict.Fail, Reporting.TextReport.Table(report));
        caught.Reason.ShouldContain(reasonFragment, Case.Insensitive);
        report.Cases.Where(c => c.Id != caught.Id).ShouldAllBe(c => c.Verdict == Verdict.Pass, Reporting.TextReport.Table(report));
    }

    [Fact]
    public async Task A_server_that_crashes_on_a_short_header_is_caught_and_the_cases_before_it_pass()
    {
        await using var server = await BrokenServer.StartAsync("mailbox_server.py", "crash-on-short-header");
        var report = await Peers.CheckAsync(Suite, At(server.Port), "read-empty", "create-then-read", "short-header");
        report.Case("read-empty").Verdict.ShouldBe(Verdict.Pass, Reporting.TextReport.Table(report));
        report.Case("create-then-read").Verdict.ShouldBe(Verdict.Pass, Reporting.TextReport.Table(report));
        var caught = report.Case("short-header");
        caught.Verdict.ShouldBe(Verdict.Fail);
        caught.Reason.ShouldContain("no longer serves");
        await Deadline.Until(() => server.HasExited, "the broken server has crashed");
    }
}
