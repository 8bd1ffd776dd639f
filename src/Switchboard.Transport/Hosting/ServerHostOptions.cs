namespace Switchboard.Transport.Hosting;

/// <summary>Bounds shared by every endpoint of one host.</summary>
public sealed record ServerHostOptions
{
    /// <summary>
    /// Connections open at once on each endpoint that sets no <see cref="ListenSpec.MaxConnections"/>; more are
    /// refused by Switchboard (reset on abortive endpoints, closed elsewhere) with a rate-limited log line.
    /// </summary>
    public long MaxConnections { get; init; } = 10_000;

    /// <summary>How long shutdown waits for open exchanges before closing them.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Per-connection input buffer; a frame must fit in it (Kestrel's default is 1 MiB).</summary>
    public long MaxReadBufferSize { get; init; } = 1024 * 1024;

    /// <summary>Pending connections the OS queues before they are accepted.</summary>
    public int Backlog { get; init; } = 512;

    /// <summary>Refusals at a connection limit are logged one by one only this many times per window; the rest are counted.</summary>
    public int RefusalLinesPerWindow { get; init; } = 5;

    /// <summary>The window over which refusals are summarised ("refused 993 more connections ... in the last 5 s").</summary>
    public TimeSpan RefusalLogWindow { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Who accepts raw-TCP connections: Switchboard's own loops (default) or Kestrel's. The environment variable
    /// <c>SWITCHBOARD_ACCEPT_PATH=kestrel</c> picks Kestrel's for a whole process (A/B measurements), and
    /// <c>SWITCHBOARD_TRANSPORT=epoll</c> Switchboard's epoll loops.
    /// </summary>
    public AcceptPath AcceptPath { get; init; } = DefaultAcceptPath;

    public static ServerHostOptions Default { get; } = new();

    private static AcceptPath DefaultAcceptPath =>
        string.Equals(Environment.GetEnvironmentVariable("SWITCHBOARD_ACCEPT_PATH"), "kestrel", StringComparison.OrdinalIgnoreCase)
            ? AcceptPath.Kestrel
            : string.Equals(Environment.GetEnvironmentVariable("SWITCHBOARD_TRANSPORT"), "epoll", StringComparison.OrdinalIgnoreCase)
                ? AcceptPath.Epoll
                : AcceptPath.Direct;
}
