using System.Net;
using Microsoft.Extensions.Logging;
using Switchboard.Check.Core;
using Switchboard.Check.Files;
using Switchboard.Services.Files;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Check.Tests.Files;

/// <summary>The files server cases judged both ways: all pass against good servers, each broken server is caught by its case.</summary>
public sealed class FilesServerCheckTests
{
    private static readonly FilesServerSuite Suite = new();

    /// <summary>Cases a flaw elsewhere must not disturb.</summary>
    private static readonly string[] Controls = ["small-file", "missing-file"];

    [Fact]
    public async Task Every_case_passes_against_our_server_launched_by_the_checker()
    {
        var report = await Launched.CheckAsync(Suite, Launched.OurServer("files", "{port}", "--root", "."), Launched.Generous);
        report.ShouldAllPass();
        report.Cases.Count.ShouldBe(Suite.Cases.Count);
    }

    [Fact]
    public async Task Every_case_passes_against_a_correct_handout_style_python_server()
    {
        var report = await Launched.CheckAsync(Suite, Launched.PythonServer("files", "files_server_base.py"), CheckOptions.For(CheckMode.Server));
        report.ShouldAllPass();
    }

    [Fact]
    public async Task Given_host_and_port_the_cases_needing_known_files_skip_and_the_rest_pass()
    {
        using var root = new TempDirectory();
        await using var server = await TcpServerHost.StartAsync(
            [FilesEndpoint.At(IPAddress.Loopback, 0)],
            ServerHostOptions.Default,
            services => FilesEndpoint.Register(services, new FilesServerOptions(FilesRoot.Open(root.Path)) { Limits = TransportLimits.Default }),
            l => l.AddProvider(new TestLogSink()).SetMinimumLevel(LogLevel.Warning),
            CancellationToken.None);
        var context = new CaseContext { Service = "files", Mode = CheckMode.Server, Host = "127.0.0.1", Port = server.PortOf(FilesEndpoint.Service) };

        var report = await Launched.CheckAsync(Suite, context, CheckOptions.For(CheckMode.Server));

        var table = Reporting.TextReport.Table(report);
        string[] needFiles = ["small-file", "empty-file", "large-file", "utf8-name"];
        report.Cases.Where(c => needFiles.Any(n => c.Id.EndsWith("." + n, StringComparison.Ordinal))).ShouldAllBe(c => c.Verdict == Verdict.Skip, table);
        report.Cases.Where(c => !needFiles.Any(n => c.Id.EndsWith("." + n, StringComparison.Ordinal))).ShouldAllBe(c => c.Verdict == Verdict.Pass, table);
    }

    [Theory]
    [InlineData("files_server_ignores_magic.py", "bad-magic", "expected the connection closed with nothing sent")]
    [InlineData("files_server_ignores_magic.py", "bad-type", "expected the connection closed with nothing sent")]
    [InlineData("files_server_truncates.py", "large-file", "only 4104 of the 3145741 bytes")]
    public async Task A_broken_server_is_caught_by_the_case_meant_for_it(string script, string caughtBy, string reasonFragment)
    {
        var report = await Launched.CheckAsync(Suite, Launched.PythonServer("files", script), CheckOptions.For(CheckMode.Server), [.. Controls, caughtBy]);
        report.ShouldBeCaughtBy(caughtBy, reasonFragment);
    }

    [Fact]
    public async Task A_server_that_crashes_on_a_short_header_is_caught_and_the_next_case_gets_a_fresh_server()
    {
        var report = await Launched.CheckAsync(Suite, Launched.PythonServer("files", "files_server_crashes_on_short_header.py"), CheckOptions.For(CheckMode.Server),
            "small-file", "short-header", "missing-file");

        var table = Reporting.TextReport.Table(report);
        report.Case("small-file").Verdict.ShouldBe(Verdict.Pass, table);
        var caught = report.Case("short-header");
        caught.Verdict.ShouldBe(Verdict.Fail, table);
        caught.Reason.ShouldContain("no longer serves");
        caught.Reason.ShouldContain("IndexError");
        report.Case("missing-file").Verdict.ShouldBe(Verdict.Pass, table);
    }
}
