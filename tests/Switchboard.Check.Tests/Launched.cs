using Switchboard.Check.Core;

namespace Switchboard.Check.Tests;

/// <summary>Contexts for the launch-mode and client suites of files, echo and talk, and the commands they run.</summary>
public static class Launched
{
    /// <summary>
    /// Our own processes start slowly on a busy 2-core machine; the case bound is the implementation's allowance,
    /// so a generous one only slows tests that fail. Broken Python peers keep the default.
    /// </summary>
    public static readonly CheckOptions Generous = new(TimeSpan.FromSeconds(10), CheckOptions.DefaultRunTimeout);

    public static string Switchboard => Path.Combine(AppContext.BaseDirectory, "switchboard.dll");

    /// <summary>Launch mode: the checker starts <paramref name="command"/> itself.</summary>
    public static CaseContext Server(string service, params string[] command) =>
        new() { Service = service, Mode = CheckMode.Server, ServerCommand = command };

    /// <summary>Launch mode with our own server: <c>dotnet switchboard.dll SERVICE server ARGS...</c>.</summary>
    public static CaseContext OurServer(string service, params string[] args) =>
        Server(service, ["dotnet", Switchboard, service, "server", .. args]);

    /// <summary>Launch mode with a Python server from Broken/ (it takes the port as its argument).</summary>
    public static CaseContext PythonServer(string service, string script) =>
        Server(service, "python3", Peers.BrokenScript(script), "{port}");

    public static CaseContext Client(string service, ClientProgram program) =>
        new() { Service = service, Mode = CheckMode.Client, Client = program };

    /// <summary>A Python client from Broken/ (host, port and the case's arguments appended).</summary>
    public static ClientProgram PythonClient(string script) => new(["python3", Peers.BrokenScript(script)]);

    /// <summary>Runs the named cases (all when none) with <paramref name="options"/>.</summary>
    public static async Task<CheckReport> CheckAsync(ICheckSuite suite, CaseContext context, CheckOptions options, params string[] only)
    {
        var cases = CheckRunner.Select(suite, only, []);
        return await CheckRunner.RunAsync(suite, cases, context, options, "under test", null, CancellationToken.None);
    }

    /// <summary>The case <paramref name="caughtBy"/> failed with <paramref name="reasonFragment"/> in its reason, every other case passed.</summary>
    public static void ShouldBeCaughtBy(this CheckReport report, string caughtBy, string reasonFragment)
    {
        var table = Reporting.TextReport.Table(report);
        var caught = report.Case(caughtBy);
        caught.Verdict.ShouldBe(Verdict.Fail, table);
        caught.Reason.ShouldContain(reasonFragment, Case.Insensitive, table);
        report.Cases.Where(c => c.Id != caught.Id).ShouldAllBe(c => c.Verdict == Verdict.Pass, table);
    }
}
