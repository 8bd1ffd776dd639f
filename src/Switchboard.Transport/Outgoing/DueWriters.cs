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
        var queues = taken.ToArray();
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

    /// <summary>Runs the writers of queues[start..end) one after the other; none of them waits.</summary>
    private sealed class Run(OutgoingQueue[] queues, int start, int end) : IThreadPoolWorkItem
    {
        public void Execute()
        {
            for (var i = start; i < end; i++)
            {
                queues[i].RunWriter();
            }
        }
    }
}
