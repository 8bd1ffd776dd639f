using Switchboard.Check.Core;
using Switchboard.Check.Files;

namespace Switchboard.Check.Tests.Files;

/// <summary>The files client cases judged both ways: all pass against our client, each broken client is caught by its case.</summary>
public sealed class FilesClientCheckTests
{
    private static readonly FilesClientSuite Suite = new();

    private static readonly string[] Controls = ["downloads-file", "not-found"];

    [Fact]
    public async Task Every_case_passes_against_our_client()
    {
        var report = await Launched.CheckAsync(Suite, Launched.Client("files", Peers.OurClient("files")), Launched.Generous);
        report.ShouldAllPass();
        report.Cases.Count.ShouldBe(Suite.Cases.Count);
    }

    [Theory]
    [InlineData("files_client_counts_characters.py", "utf8-name", "FilenameLen is 15, expected 20")]
    [InlineData("files_client_never_times_out.py", "stalled-transfer", "did not end by itself")]
    [InlineData("files_client_keeps_bad_response.py", "bad-magic", "expected no file left behind")]
    [InlineData("files_client_keeps_bad_response.py", "short-data", "(400 bytes)")]
    [InlineData("files_client_traceback.py", "closed-before-header", "traceback")]
    public async Task A_broken_client_is_caught_by_the_case_meant_for_it(string script, string caughtBy, string reasonFragment)
    {
        var report = await Launched.CheckAsync(Suite, Launched.Client("files", Launched.PythonClient(script)), CheckOptions.For(CheckMode.Client), [.. Controls, caughtBy]);
        report.ShouldBeCaughtBy(caughtBy, reasonFragment);
    }

    [Fact]
    public async Task A_command_that_fixes_the_file_name_skips_the_cases_that_choose_one()
    {
        var client = new ClientProgram(["python3", Peers.BrokenScript("files_client_base.py"), "{host}", "{port}", "a.txt"]);
        var report = await Launched.CheckAsync(Suite, Launched.Client("files", client), CheckOptions.For(CheckMode.Client), "downloads-file", "port-not-a-number");
        report.Case("downloads-file").Verdict.ShouldBe(Verdict.Skip);
        report.Case("port-not-a-number").Verdict.ShouldBe(Verdict.Pass, Reporting.TextReport.Table(report));
    }
}
