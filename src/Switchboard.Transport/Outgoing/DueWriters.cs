namespace Switchboard.Transport.Outgoing;

/// <summary>
/// Writers woken by a burst of frames, started together once the whole burst is queued. A sender whose read brought
/// several messages (a client keeping 16 in flight, say) queues all of them before any receiver's writer runs, so each
/// receiver gets the burst in one send instead of a send per message, and its writer is scheduled once, not per message.
/// </summary>
/// <remarks>
/// Whoever queues frames with a <see cref="DueWriters"/> must call <see cref="Start"/> before it waits for anything (its
/// next read, say) and when it stops: until then those receivers' writers do not run. Several producers may share one
/// (a room's): any of them starting it starts every writer due so far.
/// </remarks>
public sealed class DueWriters
{
    // Writers are spread over a few work items rather than one each: a work item costs a thread-pool dispatch and
    // possibly a wake-up, and a writer's turn is short (copy the frames, one send), so up to this many queues per item
    // (while there are still several items per core) keeps every core busy with far fewer hand-offs.
    private const int MostQueuesPerWorkItem = 16;
    private const int ItemsPerCoreAtLeast = 4;

    private readonly Lock _lock = new();
    private List<OutgoingQueue> _due = [];
    private List<OutgoingQueue>? _spare;

    /// <summary>A writer to start with the others; its queue already counts itself as scheduled.</summary>
    internal void Add(OutgoingQueue queue)
    {
        lock (_lock)
        {
            _due.Add(queue);
        }
    }

    /// <summary>Starts every writer added so far on the thread pool; returns at once.</summary>
    public void Start()
    {
        List<OutgoingQueue> taken;
        lock (_lock)
        {
            if (_due.Count == 0)
            {
                return;
            }
            taken = _due;
            _due = _spare ?? [];
            _spare = null;
        }
        // Copied out so the list can take the next burst while these writers run.
        OutgoingQueue?[] queues = taken.ToArray();
        taken.Clear();
        lock (_lock)
        {
            _spare ??= taken;
        }
        var perItem = Math.Clamp(queues.Length / (Environment.ProcessorCount * ItemsPerCoreAtLeast), 1, MostQueuesPerWorkItem);
        for (var start = 0; start < queues.Length; start += perItem)
        {
            ThreadPool.UnsafeQueueUserWorkItem(new Run(queues, start, Math.Min(queues.Length, start + perItem)), preferLocal: false);
        }
    }

    /// <summary>
    /// Runs the writers of queues[start..end) in turns, one send each per round, until every one is idle (or waits on
    /// its peer, when it resumes by itself): a queue that got more frames during its send gets them in its next turn,
    /// together with whatever arrives while the others take theirs, rather than in a send of its own straight away.
    /// </summary>
    private sealed class Run(OutgoingQueue?[] queues, int start, int end) : IThreadPoolWorkItem
    {
        // Rounds one work item runs before it goes to the back of the thread pool's queue: a slice whose receivers keep
        // getting frames must not hold a pool thread for ever.
        private const int MostRounds = 8;

        public void Execute()
        {
            bool again;
            var rounds = 0;
            do
            {
                if (++rounds > MostRounds)
                {
                    ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
                    return;
                }
                again = false;
                for (var i = start; i < end; i++)
                {
                    if (queues[i] is not { } queue)
                    {
                        continue;
                    }
                    if (queue.RunWriterOnce())
                    {
                        again = true;
                    }
                    else
                    {
                        // Not ours any more: the next frame it is given schedules it afresh.
                        queues[i] = null;
                    }
                }
            }
            while (again);
        }
    }
}
