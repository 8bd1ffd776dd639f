namespace Switchboard.Services.Mailbox.Storage;

/// <summary>One piece of store work; completes on the worker thread once it ran.</summary>
/// <remarks>
/// Continuations run synchronously, on the worker thread: the code awaiting a create or a read is a few
/// non-blocking steps (write the answer, acknowledge, close), so running it here saves the hop back to the
/// thread pool. Store work it starts is queued behind the current batch, never run re-entrantly.
/// </remarks>
internal abstract class SqliteWork() : TaskCompletionSource(TaskCreationOptions.None);

/// <summary>
/// The one thread that talks to SQLite. Callers queue work and await it; the thread takes everything queued
/// at once and hands it over as one batch (so the store can commit all creates in the batch together), then
/// waits, without spinning, for more.
/// Why a thread of its own: SQLite calls block (locks, a checkpoint's fsync) and must stay off the socket
/// threads, and the thread pool, reached through a hop per request, spent more CPU spinning for work between
/// requests than SQLite spent on them (profile of creates at one client: ~70% of the server's samples in
/// thread-pool workers' sched_yield and context switches, 5% in SQLite).
/// </summary>
internal sealed class SqliteWorker<TWork>
    where TWork : SqliteWork
{
    private readonly object _lock = new();
    private readonly Action<List<TWork>> _run;
    private readonly Action _last;
    private readonly Thread _thread;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // Rung outside _lock: a Monitor.Pulse inside the lock woke the worker only for it to block again on the
    // lock its waker still held (strace: 8 futex calls per create at one client).
    private readonly AutoResetEvent _bell = new(false);
    private List<TWork> _queue = [];
    private List<TWork> _spare = [];
    private bool _waiting;
    private bool _closed;

    /// <param name="run">Runs one batch, in queue order, completing each work item; must not throw.</param>
    /// <param name="last">Runs on the thread after the last batch, once closed (checkpoint and close the file).</param>
    public SqliteWorker(string name, Action<List<TWork>> run, Action last)
    {
        _run = run;
        _last = last;
        _thread = new Thread(Loop) { IsBackground = true, Name = name };
        _thread.Start();
    }

    /// <summary>Queues <paramref name="work"/>; false once closed.</summary>
    public bool TryPost(TWork work)
    {
        bool wake;
        lock (_lock)
        {
            if (_closed)
            {
                return false;
            }
            _queue.Add(work);
            wake = _waiting;
            _waiting = false;
        }
        if (wake)
        {
            _bell.Set();
        }
        return true;
    }

    /// <summary>Refuses new work; completes once everything queued ran and the final step is done.</summary>
    public Task CloseAsync()
    {
        bool wake;
        lock (_lock)
        {
            _closed = true;
            wake = _waiting;
            _waiting = false;
        }
        // Only a waiting worker needs the bell (a busy one sees _closed on its next turn), and it cannot
        // dispose the bell before it was rung.
        if (wake)
        {
            _bell.Set();
        }
        return _stopped.Task;
    }

    private void Loop()
    {
        try
        {
            while (true)
            {
                List<TWork>? batch = null;
                lock (_lock)
                {
                    if (_queue.Count > 0)
                    {
                        batch = _queue;
                        _queue = _spare;
                    }
                    else if (_closed)
                    {
                        break;
                    }
                    else
                    {
                        _waiting = true;
                    }
                }
                if (batch is null)
                {
                    // A blocking wait on this thread of our own, without spinning; TryPost rings when it sees _waiting.
                    _bell.WaitOne();
                    continue;
                }
                _run(batch);
                batch.Clear();
                lock (_lock)
                {
                    _spare = batch;
                }
            }
            _last();
            _bell.Dispose();
            _stopped.TrySetResult();
        }
        catch (Exception e)
        {
            _stopped.TrySetException(e);
        }
    }
}
