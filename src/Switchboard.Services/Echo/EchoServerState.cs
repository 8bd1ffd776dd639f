using Switchboard.Transport.Framing;

namespace Switchboard.Services.Echo;

/// <summary>
/// What all connections of one echo endpoint share: the memory budget for large messages still arriving and (for <see cref="BufferedServer"/>, whose constructor binds before
/// <c>Start</c>) a gate that holds accepted connections until serving begins.
/// </summary>
public sealed class EchoServerState
{
    private readonly TaskCompletionSource _serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource? _stopping;

    /// <param name="holdUntilServing">Connections wait (unread, as in the OS backlog) until <see cref="BeginServing"/>.</param>
    public EchoServerState(EchoServerOptions options, bool holdUntilServing = false)
    {
        ArgumentNullException.ThrowIfNull(options);
        Budget = new FrameMemoryBudget(options.MaxBufferedBytes);
        if (holdUntilServing)
        {
            _stopping = new CancellationTokenSource();
        }
        else
        {
            _serving.SetResult();
        }
    }

    /// <summary>Bytes reserved for incomplete large messages, across all connections.</summary>
    public FrameMemoryBudget Budget { get; }

    /// <summary>Completes once connections may be served.</summary>
    public Task Serving => _serving.Task;

    /// <summary>Lets held connections be served.</summary>
    public void BeginServing() => _serving.TrySetResult();

    /// <summary>
    /// Fires the moment <see cref="BufferedServer"/> is told to stop, before the host has begun its (asynchronous)
    /// shutdown, so a message arriving after <c>KeepRunning = false</c> is never answered. Never fires in a host
    /// of its own (the CLI), where the host's shutdown token serves.
    /// </summary>
    public CancellationToken Stopping => _stopping?.Token ?? CancellationToken.None;

    internal void StopServing()
    {
        try
        {
            _stopping?.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
