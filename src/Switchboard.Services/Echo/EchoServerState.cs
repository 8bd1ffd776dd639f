using Switchboard.Transport.Framing;

namespace Switchboard.Services.Echo;

/// <summary>
/// What all connections of one echo endpoint share: the memory budget for large messages still arriving, the
/// count of open connections, and (for <see cref="BufferedServer"/>, whose constructor binds before
/// <c>Start</c>) a gate that holds accepted connections until serving begins.
/// </summary>
public sealed class EchoServerState
{
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _active;

    /// <param name="holdUntilServing">Connections wait (unread, as in the OS backlog) until <see cref="BeginServing"/>.</param>
    public EchoServerState(EchoServerOptions options, bool holdUntilServing = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        Budget = new FrameMemoryBudget(options.MaxBufferedBytes);
        if (!holdUntilServing)
        {
            _serving.SetResult();
        }
    }

    /// <summary>Bytes reserved for incomplete large messages, across all connections.</summary>
    public FrameMemoryBudget Budget { get; }

    /// <summary>Connections being served right now.</summary>
    public int ActiveConnections => Volatile.Read(ref _active);

    /// <summary>Completes once connections may be served.</summary>
    public Task Serving => _serving.Task;

    /// <summary>Lets held connections be served.</summary>
    public void BeginServing() => _serving.TrySetResult();

    internal void Opened() => Interlocked.Increment(ref _active);

    internal void Closed() => Interlocked.Decrement(ref _active);
}
