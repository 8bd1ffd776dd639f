using System.Runtime.CompilerServices;

namespace Switchboard.Transport.Sockets;

/// <summary>
/// <c>await ThreadPoolHop.Leave();</c> before blocking work that may be reached from a socket continuation:
/// with <see cref="InlineSocketCompletions"/> such continuations run on the epoll thread, and a blocking call
/// there would stall every other connection it serves. Free when already on a thread-pool thread.
/// </summary>
public readonly struct ThreadPoolHop : ICriticalNotifyCompletion
{
    /// <summary>An awaitable that continues on the thread pool (at once if already there).</summary>
    public static ThreadPoolHop Leave() => default;

    public ThreadPoolHop GetAwaiter() => this;

    public bool IsCompleted => Thread.CurrentThread.IsThreadPoolThread;

    public void GetResult()
    {
    }

    public void OnCompleted(Action continuation) =>
        ThreadPool.QueueUserWorkItem(static c => c(), continuation, preferLocal: false);

    public void UnsafeOnCompleted(Action continuation) =>
        ThreadPool.UnsafeQueueUserWorkItem(static c => c(), continuation, preferLocal: false);
}
