namespace Switchboard.Transport.Hosting;

/// <summary>Bounds shared by every endpoint of one host.</summary>
public sealed record ServerHostOptions
{
    /// <summary>Connections open at once across the host; more are accepted and closed at once by Kestrel.</summary>
    public long MaxConnections { get; init; } = 10_000;

    /// <summary>How long shutdown waits for open exchanges before closing them.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Per-connection input buffer; a frame must fit in it (Kestrel's default is 1 MiB).</summary>
    public long MaxReadBufferSize { get; init; } = 1024 * 1024;

    /// <summary>Pending connections the OS queues before they are accepted.</summary>
    public int Backlog { get; init; } = 512;

    public static ServerHostOptions Default { get; } = new();
}
