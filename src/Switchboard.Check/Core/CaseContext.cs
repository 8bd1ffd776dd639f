using Switchboard.Check.Launch;

namespace Switchboard.Check.Core;

/// <summary>
/// What a case gets to work with. Server mode: <see cref="Host"/>/<see cref="Port"/> of the server under test.
/// Client mode: <see cref="Client"/>, run once or more per case against a <see cref="ScriptedServer"/>.
/// <see cref="Timeout"/> is this case's own bound (already scaled by <see cref="CheckCase.TimeoutFactor"/>).
/// </summary>
public sealed record CaseContext
{
    public required string Service { get; init; }

    public required CheckMode Mode { get; init; }

    /// <summary>Server mode: where the server under test listens.</summary>
    public string Host { get; init; } = "127.0.0.1";

    public int Port { get; init; }

    /// <summary>Server launch mode (<c>check SERVICE server -- COMMAND</c>): the server command, <c>{port}</c> not yet replaced; null given HOST PORT.</summary>
    public IReadOnlyList<string>? ServerCommand { get; init; }

    /// <summary>What the cases of this run share (e.g. one launched server); disposed by the runner at the end of the run.</summary>
    public RunState Shared { get; init; } = new();

    /// <summary>Client mode: the command under test.</summary>
    public ClientProgram? Client { get; init; }

    /// <summary>This case's bound for its exchanges (reads, client runs).</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Short and unique to this run, so names a case creates never meet a previous run's data on a durable server.</summary>
    public string RunTag { get; init; } = Guid.NewGuid().ToString("N")[..6];

    /// <summary>The id of the case being run.</summary>
    public string CaseId { get; init; } = "";

    /// <summary>Shared by every context of the process: contexts are copied per case, and names must never repeat.</summary>
    private static int _names;

    /// <summary>A user name no other case or run uses, e.g. <c>chk-a1b2c3-7-alice</c>.</summary>
    public string FreshName(string stem) => $"chk-{RunTag}-{Interlocked.Increment(ref _names)}-{stem}";

    /// <summary>The client under test; throws when a client case runs without one (a registry mistake).</summary>
    public ClientProgram RequireClient() => Client ?? throw new InvalidOperationException($"{CaseId} needs a client command");

    /// <summary>Connects to the server under test.</summary>
    /// <exception cref="CheckFailedException">It does not accept the connection.</exception>
    public Task<RawConnection> ConnectAsync(CancellationToken ct) => RawConnection.ConnectAsync(Host, Port, Timeout, ct);

    /// <summary>Runs the client under test once, killed at this case's timeout.</summary>
    public Task<ClientRun> RunClientAsync(ClientInvocation run, CancellationToken ct) => RequireClient().RunAsync(run, Timeout, ct);
}
