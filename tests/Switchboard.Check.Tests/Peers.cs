using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;
using Switchboard.Check.Core;
using Switchboard.Services.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Check.Tests;

/// <summary>The implementations the checker is tested on: ours (the good ones) and the deliberately broken Python ones.</summary>
public static class Peers
{
    /// <summary>Our own CLI as a client command: <c>dotnet switchboard.dll SERVICE client</c> (host, port and the rest appended).</summary>
    public static ClientProgram OurClient(string service) =>
        new(["dotnet", Path.Combine(AppContext.BaseDirectory, "switchboard.dll"), service, "client"]);

    /// <summary><c>python3 Broken/SCRIPT FLAW</c> as a client command.</summary>
    public static ClientProgram BrokenClient(string script, string flaw, params string[] fixedArguments) =>
        new(["python3", BrokenScript(script), flaw, .. fixedArguments]);

    public static string BrokenScript(string script) => Path.Combine(AppContext.BaseDirectory, "Broken", script);

    /// <summary>Our mailbox server in process, with the handout's limits and a volatile store.</summary>
    public static async Task<TcpServerHost> StartOurMailboxServerAsync()
    {
        var store = new MemoryMailboxStore();
        var options = new MailboxServerOptions { Limits = TransportLimits.Default };
        return await TcpServerHost.StartAsync(
            [MailboxEndpoint.At(IPAddress.Loopback, 0)],
            ServerHostOptions.Default,
            services => MailboxEndpoint.Register(services, options, store),
            l => l.AddProvider(new TestLogSink()).SetMinimumLevel(LogLevel.Warning),
            CancellationToken.None);
    }

    /// <summary>Runs a suite (or the named cases of it) and returns the outcomes by id.</summary>
    public static async Task<CheckReport> CheckAsync(ICheckSuite suite, CaseContext context, params string[] only)
    {
        var cases = CheckRunner.Select(suite, only, []);
        return await CheckRunner.RunAsync(suite, cases, context, CheckOptions.For(suite.Mode), "under test", null, CancellationToken.None);
    }

    /// <summary>Every case passed; otherwise fails listing the table.</summary>
    public static void ShouldAllPass(this CheckReport report) =>
        report.Cases.Where(c => c.Verdict != Verdict.Pass).ShouldBeEmpty(Reporting.TextReport.Table(report));

    public static CaseOutcome Case(this CheckReport report, string shortId) =>
        report.Cases.Single(c => c.Id.EndsWith("." + shortId, StringComparison.Ordinal));
}

/// <summary>A broken Python server from Broken/, started with port 0; it prints its port first.</summary>
public sealed class BrokenServer : IAsyncDisposable
{
    private readonly Process _process;

    private BrokenServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    public static async Task<BrokenServer> StartAsync(string script, string flaw)
    {
        var info = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(Peers.BrokenScript(script));
        info.ArgumentList.Add(flaw);
        info.ArgumentList.Add("0");
        var process = Process.Start(info)!;
        _ = process.StandardError.ReadToEndAsync();
        try
        {
            var first = await process.StandardOutput.ReadLineAsync().Within();
            return int.TryParse(first, out var port)
                ? new BrokenServer(process, port)
                : throw new InvalidOperationException($"{script} {flaw} did not print its port: '{first}'");
        }
        catch
        {
            // Not handed to a caller who would dispose it (no port in time, or garbage): never leave it running.
            process.Kill();
            process.Dispose();
            throw;
        }
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
