using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Outgoing;

/// <summary>
/// One connection's outgoing frames, bounded in bytes and drained in order by a single writer.
/// <see cref="TryEnqueue"/> never waits: a producer (a broadcast to hundreds of peers, say) hands over an
/// already-encoded frame and moves on; when the peer has fallen too far behind the frame is refused with
/// <see cref="EnqueueResult.Full"/> and the caller disconnects that peer (as ergo IRC's send-queue cap does).
/// Frames are <see cref="ReadOnlyMemory{T}"/> so one encoding can be shared by every queue it goes to.
/// </summary>
/// <remarks>
/// <para>The writer is not a long-running loop: the first frame queued while it is idle schedules it once on the thread
/// pool (the queue is its own work item, so nothing is allocated for it); it then writes everything queued by then into
/// the output and flushes once, so frames that arrive while it waits go out together in one send. When the queue is
/// empty it stops, holding no task, timer or buffer: an idle connection costs only this object.</para>
/// <para>A flush that completes at once (the usual case) costs no timer and no state machine. Only a flush that has to
/// wait for the peer arms the stall timer, made on the first such wait; it cancels the pending flush when it fires.</para>
/// </remarks>
public sealed class OutgoingQueue : IAsyncDisposable, IThreadPoolWorkItem
{
    private const string Activity = "queued frames";

    private readonly Lock _lock = new();
    private readonly PipeWriter _output;
    private readonly OutgoingQueueOptions _options;
    private readonly string _service;
    private readonly SwitchboardMetrics? _metrics;
    private readonly CancellationTokenRegistration _connectionClosed;
    private readonly Action _onFlushed;

    // Guarded by _lock: frames not yet taken by the writer, and the writer's state.
    private List<ReadOnlyMemory<byte>>? _pending;
    private List<ReadOnlyMemory<byte>>? _taken;
    private bool _scheduled;
    private bool _flushing;
    private bool _completed;
    private bool _aborted;
    private bool _finished;

    // Guarded by _lock too (written only under it; read without it by QueuedBytes alone).
    private long _queuedBytes;
    private readonly long _maxQueuedBytes;
    private long _batchBytes;
    private int _closed;
    private ConfiguredValueTaskAwaitable<FlushResult>.ConfiguredValueTaskAwaiter _flush;
    private ITimer? _stallTimer;
    private int _stalled;
    private Exception? _failure;
    private TaskCompletionSource? _done;

    /// <param name="output">The connection's output; the queue's writer is its only writer from now on.</param>
    /// <param name="service">Service name for metrics.</param>
    /// <param name="connectionClosed">Fires when the connection goes away; the writer then stops.</param>
    public OutgoingQueue(PipeWriter output, OutgoingQueueOptions options, string service, SwitchboardMetrics? metrics, CancellationToken connectionClosed = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _options = options.Validated();
        _maxQueuedBytes = _options.MaxQueuedBytes;
        _service = service;
        _metrics = metrics;
        _onFlushed = OnFlushed;
        if (connectionClosed.CanBeCanceled)
        {
            _connectionClosed = connectionClosed.UnsafeRegister(static q => ((OutgoingQueue)q!).Abort(), this);
        }
    }

    /// <summary>Bytes queued and not yet handed to the transport.</summary>
    public long QueuedBytes => Volatile.Read(ref _queuedBytes);

    /// <summary>
    /// Completes when the writer ends: normally after <see cref="Complete"/> once everything queued was
    /// flushed; with the exception that stopped it (<see cref="PeerTimeoutException"/> for a stalled peer,
    /// <see cref="PeerClosedException"/> for a gone one, <see cref="OperationCanceledException"/> after
    /// <see cref="Abort"/>) otherwise.
    /// </summary>
    public Task Completion
    {
        get
        {
            // Made on first use: most connections are never asked until they end.
            if (Volatile.Read(ref _done) is { } done)
            {
                return done.Task;
            }
            var made = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            done = Interlocked.CompareExchange(ref _done, made, null) ?? made;
            bool finished;
            lock (_lock)
            {
                finished = _finished;
            }
            if (finished)
            {
                Publish(done);
            }
            return done.Task;
        }
    }

    /// <summary>
    /// Queues <paramref name="frame"/> without waiting. The caller must not change its bytes afterwards. When the frame
    /// wakes the writer and <paramref name="due"/> is given, the writer is left to <paramref name="due"/> to start (with
    /// the rest of the caller's burst) instead of being started now.
    /// </summary>
    public EnqueueResult TryEnqueue(ReadOnlyMemory<byte> frame, DueWriters? due = null)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return EnqueueResult.Closed;
        }
        var size = frame.Length;
        var full = false;
        var schedule = false;
        // One lock and no interlocked operation per frame: a broadcast does this once per receiver.
        lock (_lock)
        {
            if (_completed)
            {
                return EnqueueResult.Closed;
            }
            var after = _queuedBytes + size;
            if (after > _maxQueuedBytes)
            {
                full = true;
            }
            else
            {
                Volatile.Write(ref _queuedBytes, after);
                (_pending ??= new List<ReadOnlyMemory<byte>>(4)).Add(frame);
                schedule = !_scheduled;
                _scheduled = true;
            }
        }
        if (full)
        {
            _metrics?.OutgoingOverflow(_service);
            return EnqueueResult.Full;
        }
        _metrics?.OutgoingQueued(_service, size);
        if (schedule)
        {
            if (due is null)
            {
                ThreadPool.UnsafeQueueUserWorkItem(this, preferLocal: false);
            }
            else
            {
                due.Add(this);
            }
        }
        return EnqueueResult.Queued;
    }

    /// <summary>No more frames: the writer flushes what is queued, then <see cref="Completion"/> completes.</summary>
    public void Complete()
    {
        Interlocked.Exchange(ref _closed, 1);
        bool finishNow;
        lock (_lock)
        {
            _completed = true;
            finishNow = !_scheduled && !_finished;
            if (finishNow)
            {
                _scheduled = true;
            }
        }
        if (finishNow)
        {
            Finish(null);
        }
    }

    /// <summary>Stops at once, dropping whatever is still queued (a peer being disconnected).</summary>
    public void Abort()
    {
        Interlocked.Exchange(ref _closed, 1);
        bool finishNow;
        bool cancelFlush;
        lock (_lock)
        {
            _completed = true;
            _aborted = true;
            cancelFlush = _flushing;
            finishNow = !_scheduled && !_finished;
            if (finishNow)
            {
                _scheduled = true;
            }
        }
        if (cancelFlush)
        {
            // The writer is waiting on the peer: wake it, it sees _aborted and stops.
            _output.CancelPendingFlush();
        }
        if (finishNow)
        {
            Finish(new OperationCanceledException("the outgoing queue was aborted"));
        }
    }

    /// <summary>Completes the queue and waits for the writer, bounded by the stall timeout; never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        Complete();
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or Protocol.SwitchboardException or IOException or InvalidOperationException)
        {
            // The writer's failure was already observable through Completion; disposing only releases.
        }
        _connectionClosed.Dispose();
        _stallTimer?.Dispose();
    }

    /// <summary>The writer, run on the thread pool once per burst of frames.</summary>
    void IThreadPoolWorkItem.Execute() => Drain();

    /// <summary>
    /// One turn of the writer, for <see cref="DueWriters"/>: writes what is queued now in one flush. True when the writer
    /// is still this caller's to run (its flush completed; more may have been queued meanwhile): the caller must call again,
    /// after serving its other queues, which lets this one gather what arrives meanwhile into its next send. False once the
    /// writer went idle, finished, or waits on the peer (it then resumes by itself).
    /// </summary>
    internal bool RunWriterOnce() => WriteOnce();

    private void Drain()
    {
        while (WriteOnce())
        {
        }
    }

    private bool WriteOnce()
    {
        List<ReadOnlyMemory<byte>>? batch;
        lock (_lock)
        {
            if (_aborted)
            {
                batch = null;
            }
            else if (_pending is null || _pending.Count == 0)
            {
                if (!_completed)
                {
                    // Idle: the next TryEnqueue schedules the writer again.
                    _scheduled = false;
                    return false;
                }
                batch = null;
            }
            else
            {
                // Swap lists so producers keep appending while this batch is written outside the lock.
                batch = _pending;
                _pending = _taken;
                _taken = batch;
                _flushing = true;
            }
        }
        if (batch is null)
        {
            Finish(_aborted ? new OperationCanceledException("the outgoing queue was aborted") : null);
            return false;
        }
        long bytes = 0;
        ValueTask<FlushResult> flush;
        try
        {
            foreach (var frame in batch)
            {
                _output.Write(frame.Span);
                bytes += frame.Length;
            }
            batch.Clear();
            _batchBytes = bytes;
            flush = _output.FlushAsync();
        }
        catch (Exception e)
        {
            batch.Clear();
            Finish(e);
            return false;
        }
        if (!flush.IsCompleted)
        {
            // The peer is behind: only now is the stall timeout armed.
            Volatile.Write(ref _stalled, 0);
            (_stallTimer ??= TimeProvider.System.CreateTimer(static q => ((OutgoingQueue)q!).OnStall(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan))
                .Change(_options.StallTimeout, Timeout.InfiniteTimeSpan);
            _flush = flush.ConfigureAwait(false).GetAwaiter();
            _flush.UnsafeOnCompleted(_onFlushed);
            return false;
        }
        return AfterFlush(flush);
    }

    private void OnFlushed()
    {
        _stallTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        FlushResult result;
        try
        {
            result = _flush.GetResult();
        }
        catch (Exception e)
        {
            Finish(e);
            return;
        }
        if (Check(result))
        {
            Drain();
        }
    }

    private void OnStall()
    {
        Volatile.Write(ref _stalled, 1);
        _output.CancelPendingFlush();
    }

    private bool AfterFlush(ValueTask<FlushResult> flush)
    {
        FlushResult result;
        try
        {
            result = flush.GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Finish(e);
            return false;
        }
        return Check(result);
    }

    /// <summary>Counts the flushed batch out of the queue; false (and the writer finished) when the flush failed.</summary>
    private bool Check(FlushResult result)
    {
        var bytes = _batchBytes;
        lock (_lock)
        {
            _flushing = false;
            if (!result.IsCanceled && !result.IsCompleted)
            {
                // Counted out of the queue only once flushed: bytes parked in a shut window still count
                // against the bound, which is what makes a non-reading peer overflow.
                Volatile.Write(ref _queuedBytes, _queuedBytes - bytes);
            }
        }
        if (result.IsCanceled)
        {
            Finish(Volatile.Read(ref _stalled) != 0 && !_aborted
                ? new PeerTimeoutException($"writing {Activity}: no progress for {Seconds(_options.StallTimeout)} s (gap rule)", "gap-timeout")
                : new OperationCanceledException($"writing {Activity} was cancelled"));
            return false;
        }
        if (result.IsCompleted)
        {
            Finish(new PeerClosedException($"connection closed while writing {Activity}"));
            return false;
        }
        _metrics?.OutgoingQueued(_service, -bytes);
        return true;
    }

    private void Finish(Exception? failure)
    {
        Interlocked.Exchange(ref _closed, 1);
        long left;
        lock (_lock)
        {
            if (_finished)
            {
                return;
            }
            _finished = true;
            _completed = true;
            _flushing = false;
            _pending?.Clear();
            _taken?.Clear();
            _failure = failure;
            left = _queuedBytes;
            Volatile.Write(ref _queuedBytes, 0);
        }
        _stallTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        // Whatever never left still counted as queued in the metrics; take it back out.
        if (left != 0)
        {
            _metrics?.OutgoingQueued(_service, -left);
        }
        if (Volatile.Read(ref _done) is { } done)
        {
            Publish(done);
        }
    }

    private void Publish(TaskCompletionSource done)
    {
        var failure = _failure;
        if (failure is null)
        {
            done.TrySetResult();
        }
        else if (failure is OperationCanceledException cancelled)
        {
            done.TrySetCanceled(cancelled.CancellationToken);
        }
        else
        {
            done.TrySetException(failure);
        }
    }

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
