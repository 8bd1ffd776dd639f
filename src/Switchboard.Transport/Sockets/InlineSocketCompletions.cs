namespace Switchboard.Transport.Sockets;

/// <summary>
/// Runs socket completions on the epoll thread that saw them instead of queueing each one to the thread pool.
/// Per request that removes a thread hand-off (one context switch or more, and the pool's spinning), which on
/// a small request is most of its cost. The price: anything that blocks on a socket continuation stalls every
/// socket served by that epoll thread, so blocking work (SQLite, file system calls) first leaves the socket
/// thread through <see cref="ThreadPoolHop"/>.
/// </summary>
public static class InlineSocketCompletions
{
    /// <summary>The runtime's switch; read once, when the first socket is created.</summary>
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Turns inline completions on for this process unless the environment already says otherwise
    /// (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0</c> keeps the thread pool, for A/B measurements).
    /// Call it first thing in <c>Main</c>: the runtime reads the variable once, before the first socket exists.
    /// </summary>
    public static void EnableUnlessSet()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }
}
