using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Services.Common;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Cli.Infrastructure;

/// <summary>Runs Kestrel-hosted services until Ctrl+C/SIGTERM, then shuts down gracefully and exits 0.</summary>
public static class ServerRunner
{
    /// <param name="companion">A server that is not a Kestrel handler (echo's <c>BufferedServer</c>), run beside the
    /// host with the host's services (logging, metrics) until the shutdown token fires. If it fails, the host stops too.</param>
    public static async Task<int> RunAsync(
        ConsoleStreams console,
        IReadOnlyList<ListenSpec> endpoints,
        ServerHostOptions hostOptions,
        Verbosity verbosity,
        Action<IServiceCollection> configureServices,
        CancellationToken shutdown,
        Func<IServiceProvider, CancellationToken, Task>? companion = null)
    {
        await using var host = await TcpServerHost.StartAsync(
            endpoints, hostOptions, configureServices, l => l.AddSwitchboardConsole(verbosity), shutdown).ConfigureAwait(false);
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("switchboard");
        foreach (var (service, endpoint) in host.Endpoints)
        {
            log.LogInformation("{Service} listening on {Endpoint}", service, endpoint);
        }
        var sidecar = companion is null ? null : Task.Run(() => companion(host.Services, shutdown), CancellationToken.None);
        var stop = WaitForShutdownAsync(shutdown);
        if (sidecar is not null && await Task.WhenAny(stop, sidecar).ConfigureAwait(false) == sidecar && !shutdown.IsCancellationRequested)
        {
            // The companion ended on its own (a bind failure, most likely): take the rest down and report it.
            await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
            await sidecar.ConfigureAwait(false);
            return ExitCodes.Failure;
        }
        await stop.ConfigureAwait(false);
        log.LogInformation("shutting down: no new connections; finishing open exchanges");
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
        if (sidecar is not null)
        {
            await sidecar.ConfigureAwait(false);
        }
        log.LogInformation("stopped");
        return ExitCodes.Success;
    }

    /// <summary>Completes when <paramref name="shutdown"/> fires.</summary>
    public static Task WaitForShutdownAsync(CancellationToken shutdown)
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        shutdown.Register(() => done.TrySetResult());
        return done.Task;
    }
}
