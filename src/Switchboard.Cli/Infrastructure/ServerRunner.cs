using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Cli.Infrastructure;

/// <summary>Runs Kestrel-hosted services until Ctrl+C/SIGTERM, then shuts down gracefully and exits 0.</summary>
public static class ServerRunner
{
    public static async Task<int> RunAsync(
        IReadOnlyList<ListenSpec> endpoints,
        ServerHostOptions hostOptions,
        Verbosity verbosity,
        Action<IServiceCollection> configureServices,
        CancellationToken shutdown)
    {
        await using var host = await TcpServerHost.StartAsync(
            endpoints, hostOptions, configureServices, l => l.AddSwitchboardConsole(verbosity), shutdown).ConfigureAwait(false);
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("switchboard");
        foreach (var (service, endpoint) in host.Endpoints)
        {
            log.LogInformation("{Service} listening on {Endpoint}", service, endpoint);
        }
        await WaitForShutdownAsync(shutdown).ConfigureAwait(false);
        log.LogInformation("shutting down: no new connections; finishing open exchanges");
        await host.StopAsync(CancellationToken.None).ConfigureAwait(false);
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
