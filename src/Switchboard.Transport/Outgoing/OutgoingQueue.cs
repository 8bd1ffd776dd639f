using System.Buffers;
using System.IO.Pipelines;
using System.Threading.Channels;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Outgoing;

/// <summary>
/// One connection's outgoing frames, bounded in bytes and drained in order by a single writer loop.
/// <see cref="TryEnqueue"/> never waits: a producer (a broadcast to hundreds of peers, say) hands over an
/// already-encoded frame and moves on; when the peer has fallen too far behind the frame is refused with
/// <see cref="EnqueueResult.Full"/> and the caller disconnects that peer (as ergo IRC's send-queue cap does).
/// Frames are <see cref="ReadOnlyMemory{T}"/> so one encoding can be shared by every queue it goes to.
/// </summary>
public sealed class OutgoingQueue : IAsyncDisposable
{
    private readonly Channel<ReadOnlyMemory<byte>> _frames = Channel.CreateUnbounded<ReadOnlyMemory<byte>>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });

    private readonly PipeWriter _output;
    private readonly OutgoingQueueOptions _options;
    private readonly string _service;
    private readonly SwitchboardMetrics? _metrics;
    private readonly CancellationTokenSource _abort;
    private readonly Task _writer;
    private long _queuedBytes;
    private int _closed;

    /// <param name="output">The connection's output; the queue's writer loop is its only writer from now on.</param>
    /// <param name="service">Service name for metrics.</param>
    /// <param name="connectionClosed">Fires when the connection goes away; the writer loop then stops.</param>
    public OutgoingQueue(PipeWriter output, OutgoingQueueOptions options, string service, SwitchboardMetrics? metrics, CancellationToken connectionClosed = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        _output = output;
        _options = options.Validated();
        _service = service;
        _metrics = metrics;
        _abort = CancellationTokenSource.CreateLinkedTokenSource(connectionClosed);
        _writer = WriteLoopAsync();
    }

    /// <summary>Bytes queued and not yet handed to the transport.</summary>
    public long QueuedBytes => Interlocked.Read(ref _queuedBytes);

    /// <summary>
    /// Completes when the writer loop ends: normally after <see cref="Complete"/> once everything queued was
    /// flushed; with the exception that stopped it (<see cref="PeerTimeoutException"/> for a stalled peer,
    /// <see cref="PeerClosedException"/> for a gone one, <see cref="OperationCanceledException"/> after
    /// <see cref="Abort"/>) otherwise.
    /// </summary>
    public Task Completion => _writer;

    /// <summary>Queues <paramref name="frame"/> without waiting. The caller must not change its bytes afterwards.</summary>
    public EnqueueResult TryEnqueue(ReadOnlyMemory<byte> frame)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            return EnqueueResult.Closed;
        }
        var size = frame.Length;
        var after = Interlocked.Add(ref _queuedBytes, size);
        if (after > _options.MaxQueuedBytes)
        {
            Interlocked.Add(ref _queuedBytes, -size);
            _metrics?.OutgoingOverflow(_service);
            return EnqueueResult.Full;
        }
        if (!_frames.Writer.TryWrite(frame))
        {
            Interlocked.Add(ref _queuedBytes, -size);
            return EnqueueResult.Closed;
        }
        _metrics?.OutgoingQueued(_service, size);
        return EnqueueResult.Queued;
    }

    /// <summary>No more frames: the writer loop flushes what is queued, then <see cref="Completion"/> completes.</summary>
    public void Complete()
    {
        Interlocked.Exchange(ref _closed, 1);
        _frames.Writer.TryComplete();
    }

    /// <summary>Stops at once, dropping whatever is still queued (a peer being disconnected).</summary>
    public void Abort()
    {
        Complete();
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: already stopped.
        }
    }

    /// <summary>Completes the queue and waits for the writer loop, bounded by the stall timeout; never throws.</summary>
    public async ValueTask DisposeAsync()
    {
        Complete();
        try
        {
            await _writer.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or Protocol.SwitchboardException or IOException or InvalidOperationException)
        {
            // The loop's failure was already observable through Completion; disposing only releases.
        }
        _abort.Dispose();
    }

    private async Task WriteLoopAsync()
    {
        // Let the constructor return before the loop's first await could run inline.
        await Task.Yield();
        using var timer = new GapTimer(_options.StallTimeout, _abort.Token);
        var reader = _frames.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_abort.Token).ConfigureAwait(false))
            {
                long batch = 0;
                while (reader.TryRead(out var frame))
                {
                    _output.Write(frame.Span);
                    batch += frame.Length;
                }
                // Counted out of the queue only once flushed: bytes parked in a shut window still count
                // against the bound, which is what makes a non-reading peer overflow.
                await _output.FlushWithGapAsync(timer, "queued frames").ConfigureAwait(false);
                Interlocked.Add(ref _queuedBytes, -batch);
                _metrics?.OutgoingQueued(_service, -batch);
            }
        }
        finally
        {
            Interlocked.Exchange(ref _closed, 1);
            _frames.Writer.TryComplete();
            // Whatever never left still counted as queued in the metrics; take it back out.
            var left = Interlocked.Exchange(ref _queuedBytes, 0);
            while (reader.TryRead(out var dropped))
            {
                _ = dropped;
            }
            if (left != 0)
            {
                _metrics?.OutgoingQueued(_service, -left);
            }
        }
    }
}
