namespace Switchboard.Transport.Hosting;

/// <summary>Who accepts a host's raw-TCP connections.</summary>
public enum AcceptPath
{
    /// <summary>Switchboard's accept loop starts each handler on the thread that accepted (no queue, no hand-off).</summary>
    Direct,

    /// <summary>Kestrel's accept loop and dispatcher (each connection queued to the thread pool).</summary>
    Kestrel,

    /// <summary>
    /// Switchboard's own epoll loops (Linux): one read per readiness event and the handler run inline on the loop's
    /// thread, instead of .NET's socket engine. Elsewhere it falls back to <see cref="Direct"/>.
    /// </summary>
    Epoll,
}
