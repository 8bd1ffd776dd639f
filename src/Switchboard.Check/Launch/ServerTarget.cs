using Switchboard.Check.Core;

namespace Switchboard.Check.Launch;

/// <summary>
/// The server a server-mode case talks to: the one at HOST PORT, or in launch mode one the checker started in a
/// folder it prepared. A launched server is shared by the cases of one run and started again before a case when
/// an earlier case left it dead, so every case starts from a running server and a crash is charged to the case
/// that caused it (its "still serving" check sees the dead server, the next case does not).
/// </summary>
public sealed class ServerTarget
{
    private readonly CaseContext _context;

    private ServerTarget(CaseContext context, LaunchedServer? launched)
    {
        _context = context;
        Launched = launched;
    }

    /// <summary>The launched server (launch mode), or null when the checker was given HOST PORT.</summary>
    public LaunchedServer? Launched { get; }

    /// <summary>The server's working folder in launch mode: the files it serves are the ones the checker put there.</summary>
    public string? Folder => Launched?.Folder;

    /// <summary>
    /// The target for one case. In launch mode the run's server (keyed by <paramref name="key"/>) is started on first
    /// use with <paramref name="prepare"/> filling its folder, and restarted when it has exited.
    /// </summary>
    public static async Task<ServerTarget> ForCaseAsync(CaseContext context, string key, Func<string, Task>? prepare, CancellationToken ct)
    {
        if (context.ServerCommand is not { } words)
        {
            return new ServerTarget(context, null);
        }
        var shared = context.Shared.GetOrAdd(key, () => new SharedLaunch(new ServerCommand(words), prepare));
        return new ServerTarget(context, await shared.RunningAsync(ct).ConfigureAwait(false));
    }

    /// <summary>Connects to the server (in launch mode waiting while it starts up).</summary>
    /// <exception cref="CheckFailedException">Refused, or the launched server is no longer running (with its exit code and last stderr lines).</exception>
    public Task<RawConnection> ConnectAsync(CancellationToken ct) =>
        Launched is { } server ? server.ConnectAsync(_context.Timeout, ct) : _context.ConnectAsync(ct);

    /// <summary>For a failure message after the server stopped answering: what became of it, when the checker can tell.</summary>
    public string Aftermath => Launched is { HasExited: true } server ? $" ({server.DescribeExit()})" : "";

    /// <summary>
    /// The verdict of a case whose point is that the server survives something hostile: <paramref name="probe"/> makes one
    /// good exchange on a new connection and returns null when it was answered right, else what went wrong.
    /// </summary>
    /// <param name="after">What the case did to the server, for the failure message ("after a client reset ...").</param>
    /// <param name="what">What the server no longer serves, for the failure message ("a good request").</param>
    public async Task<CaseResult> StillServingAsync(string after, string what, Func<CancellationToken, Task<string?>> probe, CancellationToken ct)
    {
        string? problem;
        try
        {
            problem = await probe(ct).ConfigureAwait(false);
        }
        catch (CheckFailedException e)
        {
            problem = e.Message;
        }
        if (problem is null)
        {
            return CaseResult.Pass();
        }
        if (Launched is { } server)
        {
            // A crashing server may still be on its way out; let it finish, so the next case starts a fresh one.
            await server.WaitForExitAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        }
        var aftermath = problem.Contains("exited with code", StringComparison.Ordinal) ? "" : Aftermath;
        return CaseResult.Fail($"{after}, the server no longer serves{what}: {problem}{aftermath}");
    }

    /// <summary>One launched server per run and key, replaced when it has exited.</summary>
    private sealed class SharedLaunch(ServerCommand command, Func<string, Task>? prepare) : IAsyncDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private LaunchedServer? _current;

        public async Task<LaunchedServer> RunningAsync(CancellationToken ct)
        {
            await _gate.WaitAsync(ct).ConfigureAwait(false);
            try
            {
                if (_current is { HasExited: false })
                {
                    return _current;
                }
                if (_current is not null)
                {
                    await _current.DisposeAsync().ConfigureAwait(false);
                }
                _current = await LaunchedServer.StartAsync(command, prepare, stdin: null, ct).ConfigureAwait(false);
                return _current;
            }
            finally
            {
                _gate.Release();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_current is not null)
            {
                await _current.DisposeAsync().ConfigureAwait(false);
            }
            _gate.Dispose();
        }
    }
}
