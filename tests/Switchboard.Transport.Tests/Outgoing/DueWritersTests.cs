using System.Buffers;
using System.IO.Pipelines;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Outgoing;

namespace Switchboard.Transport.Tests.Outgoing;

public sealed class DueWritersTests
{
    private static readonly OutgoingQueueOptions Bound = new() { MaxQueuedBytes = 1024, StallTimeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public async Task Frames_queued_with_due_writers_wait_for_start_then_go_out_in_order_in_one_flush()
    {
        var pipe = new Pipe();
        var due = new DueWriters();
        var queue = new OutgoingQueue(pipe.Writer, Bound, "test", metrics: null);
        queue.TryEnqueue("one "u8.ToArray(), due).ShouldBe(EnqueueResult.Queued);
        queue.TryEnqueue("two "u8.ToArray(), due).ShouldBe(EnqueueResult.Queued);
        queue.TryEnqueue("three"u8.ToArray(), due).ShouldBe(EnqueueResult.Queued);
        // Nothing started the writer: nothing has reached the output.
        pipe.Reader.TryRead(out _).ShouldBeFalse();

        due.Start();
        var read = await pipe.Reader.ReadAsync().AsTask().Within();
        // The three frames arrive as one write: one flush for the burst.
        read.Buffer.ToArray().ShouldBe("one two three"u8.ToArray());
        pipe.Reader.AdvanceTo(read.Buffer.End);
        queue.Complete();
        await queue.Completion.Within();
        queue.QueuedBytes.ShouldBe(0);
    }

    [Fact]
    public async Task Start_runs_every_due_writer_however_many_there_are()
    {
        var due = new DueWriters();
        var pipes = Enumerable.Range(0, 100).Select(_ => new Pipe()).ToArray();
        var queues = pipes.Select(p => new OutgoingQueue(p.Writer, Bound, "test", metrics: null)).ToArray();
        foreach (var queue in queues)
        {
            queue.TryEnqueue("hello"u8.ToArray(), due).ShouldBe(EnqueueResult.Queued);
        }
        due.Start();
        foreach (var pipe in pipes)
        {
            var read = await pipe.Reader.ReadAsync().AsTask().Within();
            read.Buffer.ToArray().ShouldBe("hello"u8.ToArray());
            pipe.Reader.AdvanceTo(read.Buffer.End);
        }
        foreach (var queue in queues)
        {
            queue.Complete();
            await queue.Completion.Within();
        }
    }

    [Fact]
    public async Task A_queue_completed_or_aborted_while_its_writer_is_due_finishes_once_started()
    {
        var due = new DueWriters();
        var completedPipe = new Pipe();
        var completed = new OutgoingQueue(completedPipe.Writer, Bound, "test", metrics: null);
        var aborted = new OutgoingQueue(new Pipe().Writer, Bound, "test", metrics: null);
        completed.TryEnqueue("last"u8.ToArray(), due).ShouldBe(EnqueueResult.Queued);
        aborted.TryEnqueue("dropped"u8.ToArray(), due).ShouldBe(EnqueueResult.Queued);
        completed.Complete();
        aborted.Abort();

        due.Start();
        await completed.Completion.Within();
        await Should.ThrowAsync<OperationCanceledException>(aborted.Completion.Within());
        var read = await completedPipe.Reader.ReadAsync().AsTask().Within();
        read.Buffer.ToArray().ShouldBe("last"u8.ToArray());
        aborted.QueuedBytes.ShouldBe(0);
    }
}
