using System.Buffers;
using System.IO.Pipelines;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Outgoing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Tests.Outgoing;

public sealed class OutgoingQueueTests
{
    private static OutgoingQueueOptions Bound(long bytes, double stallSeconds = 5) =>
        new() { MaxQueuedBytes = bytes, StallTimeout = TimeSpan.FromSeconds(stallSeconds) };

    [Fact]
    public async Task Frames_are_written_in_order_and_complete_drains_them()
    {
        var pipe = new Pipe();
        var queue = new OutgoingQueue(pipe.Writer, Bound(1024), "test", metrics: null);
        queue.TryEnqueue("one "u8.ToArray()).ShouldBe(EnqueueResult.Queued);
        queue.TryEnqueue("two "u8.ToArray()).ShouldBe(EnqueueResult.Queued);
        queue.TryEnqueue("three"u8.ToArray()).ShouldBe(EnqueueResult.Queued);
        queue.Complete();
        await queue.Completion.Within();
        await pipe.Writer.CompleteAsync();

        var all = await ReadAllAsync(pipe.Reader);
        all.ShouldBe("one two three"u8.ToArray());
        queue.QueuedBytes.ShouldBe(0);
        queue.TryEnqueue("late"u8.ToArray()).ShouldBe(EnqueueResult.Closed);
    }

    [Fact]
    public async Task A_peer_that_does_not_read_fills_the_bound_and_further_frames_are_refused_at_once()
    {
        // A pipe that pauses its writer after 16 bytes stands for a peer whose receive window is shut.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 16, resumeWriterThreshold: 8));
        await using var queue = new OutgoingQueue(pipe.Writer, Bound(100), "test", metrics: null);
        var frame = new byte[20];
        var results = new List<EnqueueResult>();
        for (var i = 0; i < 10; i++)
        {
            results.Add(queue.TryEnqueue(frame));
        }
        // Never waits: ten calls return immediately, five fit under 100 bytes and the rest are refused.
        results.Count(r => r == EnqueueResult.Queued).ShouldBe(5);
        results.Skip(5).ShouldAllBe(r => r == EnqueueResult.Full);
        queue.QueuedBytes.ShouldBeLessThanOrEqualTo(100);
        queue.Abort();
    }

    [Fact]
    public void A_frame_larger_than_the_bound_is_refused()
    {
        var pipe = new Pipe();
        var queue = new OutgoingQueue(pipe.Writer, Bound(10), "test", metrics: null);
        queue.TryEnqueue(new byte[11]).ShouldBe(EnqueueResult.Full);
        queue.TryEnqueue(new byte[10]).ShouldBe(EnqueueResult.Queued);
        queue.Abort();
    }

    [Fact]
    public async Task A_flush_that_makes_no_progress_past_the_stall_timeout_fails_the_queue()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 4, resumeWriterThreshold: 2));
        var queue = new OutgoingQueue(pipe.Writer, Bound(1000, stallSeconds: 0.2), "test", metrics: null);
        queue.TryEnqueue(new byte[50]).ShouldBe(EnqueueResult.Queued);
        var failure = await Should.ThrowAsync<PeerTimeoutException>(queue.Completion.Within());
        failure.Message.ShouldContain("no progress for 0.2 s");
        queue.TryEnqueue(new byte[1]).ShouldBe(EnqueueResult.Closed);
        queue.QueuedBytes.ShouldBe(0);
    }

    [Fact]
    public async Task A_closed_output_ends_the_queue_with_peer_closed()
    {
        var pipe = new Pipe();
        await pipe.Reader.CompleteAsync();
        var queue = new OutgoingQueue(pipe.Writer, Bound(1000), "test", metrics: null);
        queue.TryEnqueue(new byte[5]);
        await Should.ThrowAsync<PeerClosedException>(queue.Completion.Within());
    }

    [Fact]
    public async Task Concurrent_producers_never_exceed_the_bound_and_lose_nothing_they_were_told_was_queued()
    {
        var pipe = new Pipe();
        var queue = new OutgoingQueue(pipe.Writer, Bound(1_000_000), "test", metrics: null);
        var reading = ReadAllAsync(pipe.Reader);
        var queued = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(p => Task.Run(() =>
        {
            for (var i = 0; i < 2000; i++)
            {
                if (queue.TryEnqueue(new byte[] { (byte)p, 1, 2, 3 }) == EnqueueResult.Queued)
                {
                    Interlocked.Increment(ref queued);
                }
            }
        })));
        queue.Complete();
        await queue.Completion.Within();
        await pipe.Writer.CompleteAsync();
        (await reading.Within()).Length.ShouldBe(queued * 4);
        queued.ShouldBe(8000);
    }

    [Fact]
    public async Task Frames_queued_while_a_flush_waits_go_out_together_in_one_flush()
    {
        // A pipe that pauses after one byte: the first frame's flush waits until the reader consumes it.
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
        var counting = new FlushCountingWriter(pipe.Writer);
        var queue = new OutgoingQueue(counting, Bound(10_000), "test", metrics: null);
        queue.TryEnqueue("first "u8.ToArray()).ShouldBe(EnqueueResult.Queued);
        var firstRead = await pipe.Reader.ReadAsync().AsTask().Within();
        for (var i = 0; i < 50; i++)
        {
            queue.TryEnqueue(new[] { (byte)('a' + (i % 26)) }).ShouldBe(EnqueueResult.Queued);
        }
        var first = firstRead.Buffer.ToArray();
        pipe.Reader.AdvanceTo(firstRead.Buffer.End);
        var rest = ReadAllAsync(pipe.Reader);
        queue.Complete();
        await queue.Completion.Within();
        await pipe.Writer.CompleteAsync();
        var all = await rest.Within();
        first.Concat(all).ToArray().ShouldBe("first "u8.ToArray().Concat(Enumerable.Range(0, 50).Select(i => (byte)('a' + (i % 26)))).ToArray());
        counting.Flushes.ShouldBe(2);
    }

    [Fact]
    public async Task An_idle_queue_is_not_scheduled_and_completes_at_once()
    {
        var counting = new FlushCountingWriter(new Pipe().Writer);
        var queue = new OutgoingQueue(counting, Bound(100), "test", metrics: null);
        queue.Complete();
        await queue.Completion.Within();
        counting.Flushes.ShouldBe(0);
    }

    [Fact]
    public async Task Abort_while_a_flush_waits_ends_the_queue_as_cancelled_and_drops_the_rest()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1));
        var queue = new OutgoingQueue(pipe.Writer, Bound(1000), "test", metrics: null);
        queue.TryEnqueue(new byte[10]).ShouldBe(EnqueueResult.Queued);
        await pipe.Reader.ReadAsync().AsTask().Within();
        queue.TryEnqueue(new byte[10]).ShouldBe(EnqueueResult.Queued);
        queue.Abort();
        await Should.ThrowAsync<OperationCanceledException>(queue.Completion.Within());
        queue.QueuedBytes.ShouldBe(0);
        queue.TryEnqueue(new byte[1]).ShouldBe(EnqueueResult.Closed);
    }

    private static async Task<byte[]> ReadAllAsync(PipeReader reader)
    {
        var all = new MemoryStream();
        while (true)
        {
            var result = await reader.ReadAsync();
            foreach (var segment in result.Buffer)
            {
                all.Write(segment.Span);
            }
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                return all.ToArray();
            }
        }
    }

    /// <summary>Counts flushes, so a test can see how many sends the queue asked for.</summary>
    private sealed class FlushCountingWriter(PipeWriter inner) : PipeWriter
    {
        private int _flushes;

        public int Flushes => Volatile.Read(ref _flushes);

        public override void Advance(int bytes) => inner.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => inner.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => inner.GetSpan(sizeHint);

        public override void CancelPendingFlush() => inner.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => inner.Complete(exception);

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _flushes);
            return inner.FlushAsync(cancellationToken);
        }
    }
}
