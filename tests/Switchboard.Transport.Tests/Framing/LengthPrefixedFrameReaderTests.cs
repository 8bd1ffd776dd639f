using System.Buffers;
using System.IO.Pipelines;
using Switchboard.Protocol;
using Switchboard.Protocol.Framing;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Tests.Framing;

public sealed class LengthPrefixedFrameReaderTests
{
    private static readonly LengthPrefixedDecoder Decoder = new(maxPayloadBytes: 1 << 20);

    private static byte[] Frame(int length, byte fill = (byte)'x')
    {
        var writer = new ArrayBufferWriter<byte>();
        LengthPrefixedDecoder.Write(writer, Enumerable.Repeat(fill, length).ToArray());
        return writer.WrittenSpan.ToArray();
    }

    // A pipe that holds at most 1 KiB unread, like Kestrel's read buffer (1 MiB) scaled down: a larger frame left in it would stall the writer for ever.
    private static Pipe SmallPipe() => new(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512, useSynchronizationContext: false));

    private static LengthPrefixedFrameReader Reader(Pipe pipe, FrameMemoryBudget? budget = null, FrameReaderLimits? limits = null) =>
        new(pipe.Reader, Decoder, "test frame", budget, limits ?? new FrameReaderLimits { StreamAbove = 256 });

    [Fact]
    public async Task A_frame_far_larger_than_the_pipe_can_hold_is_streamed_without_stalling_the_writer()
    {
        var pipe = SmallPipe();
        var budget = new FrameMemoryBudget(1 << 20);
        using var reader = Reader(pipe, budget);
        var frame = Frame(200_000, 7);

        var writing = Task.Run(async () =>
        {
            for (var at = 0; at < frame.Length; at += 700)
            {
                await pipe.Writer.WriteAsync(frame.AsMemory(at, Math.Min(700, frame.Length - at)));
            }
        });
        var read = await reader.ReadAsync().AsTask().Within();
        await writing.Within();

        read.IsClosed.ShouldBeFalse();
        read.Frame.Length.ShouldBe(200_000);
        read.Frame.ToArray().ShouldAllBe(b => b == 7);
        budget.ReservedBytes.ShouldBe(200_000, "held while the caller uses the frame");
        reader.ReleaseFrame();
        budget.ReservedBytes.ShouldBe(0);
    }

    [Fact]
    public async Task Small_frames_come_back_as_slices_and_pipelined_ones_without_waiting()
    {
        var pipe = SmallPipe();
        using var reader = Reader(pipe);
        await pipe.Writer.WriteAsync(Frame(3, 1).Concat(Frame(2, 2)).Concat(Frame(5, 3)[..6]).ToArray());

        (await reader.ReadAsync()).Frame.ToArray().ShouldBe([1, 1, 1]);
        reader.TryReadBuffered(out var second).ShouldBeTrue();
        second.ToArray().ShouldBe([2, 2]);
        reader.TryReadBuffered(out _).ShouldBeFalse("the third frame is not whole yet");

        var third = reader.ReadAsync().AsTask();
        await pipe.Writer.WriteAsync(new byte[] { 3, 3, 3 });
        (await third.Within()).Frame.ToArray().ShouldBe([3, 3, 3, 3, 3]);
    }

    [Fact]
    public async Task A_clean_close_between_frames_is_closed_and_a_close_inside_one_is_an_error()
    {
        var pipe = SmallPipe();
        using var reader = Reader(pipe);
        await pipe.Writer.WriteAsync(Frame(1));
        await pipe.Writer.CompleteAsync();
        (await reader.ReadAsync()).IsClosed.ShouldBeFalse();
        (await reader.ReadAsync()).IsClosed.ShouldBeTrue();

        foreach (var cut in new[] { 2, 10, 600 })
        {
            var broken = SmallPipe();
            using var r = Reader(broken);
            await broken.Writer.WriteAsync(Frame(1000)[..cut]);
            await broken.Writer.CompleteAsync();
            (await Should.ThrowAsync<PeerClosedException>(r.ReadAsync().AsTask()))
                .Message.ShouldBe($"connection closed after {cut} bytes of an incomplete test frame");
        }
    }

    [Fact]
    public async Task A_frame_the_budget_cannot_cover_is_refused_naming_the_limit()
    {
        var budget = new FrameMemoryBudget(1000);
        var first = SmallPipe();
        var second = SmallPipe();
        using var holder = Reader(first, budget);
        using var refused = Reader(second, budget);
        await first.Writer.WriteAsync(Frame(600)[..10]);
        var pending = holder.ReadAsync().AsTask();
        await Deadline.Until(() => budget.ReservedBytes == 600, "first frame reserved");

        await second.Writer.WriteAsync(Frame(600)[..4]);
        var error = await Should.ThrowAsync<FrameBudgetExceededException>(refused.ReadAsync().AsTask());
        error.Message.ShouldBe("test frame of 600 bytes refused: the server's budget for incomplete frames (1000 bytes) has 400 bytes left");
        error.Reason.ShouldBe("memory-budget");

        await first.Writer.CompleteAsync();
        await Should.ThrowAsync<PeerClosedException>(pending.Within());
        budget.ReservedBytes.ShouldBe(600, "kept until the connection's reader is disposed");
        holder.Dispose();
        budget.ReservedBytes.ShouldBe(0, "a connection ending gives its reservation back");
    }

    [Fact]
    public async Task Idle_time_between_frames_is_bounded_by_the_idle_timeout()
    {
        var pipe = SmallPipe();
        using var reader = Reader(pipe, limits: new FrameReaderLimits { IdleTimeout = TimeSpan.FromMilliseconds(150), GapTimeout = TimeSpan.FromSeconds(5) });
        var error = await Should.ThrowAsync<PeerTimeoutException>(reader.ReadAsync().AsTask().Within());
        error.Message.ShouldBe("no test frame for 0.15 s (idle timeout)");
        error.Reason.ShouldBe("idle-timeout");
    }

    [Fact]
    public async Task Inside_a_frame_the_gap_rule_applies_and_a_trickle_meets_the_whole_frame_deadline()
    {
        var stalled = SmallPipe();
        using (var reader = Reader(stalled, limits: new FrameReaderLimits { GapTimeout = TimeSpan.FromMilliseconds(150), IdleTimeout = TimeSpan.FromSeconds(5) }))
        {
            await stalled.Writer.WriteAsync(Frame(10)[..5]);
            (await Should.ThrowAsync<PeerTimeoutException>(reader.ReadAsync().AsTask().Within()))
                .Message.ShouldBe("reading test frame: no progress for 0.15 s (gap rule)");
        }

        var trickle = SmallPipe();
        using var slow = Reader(trickle, limits: new FrameReaderLimits { GapTimeout = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromMilliseconds(400) });
        var reading = slow.ReadAsync().AsTask();
        using var stop = new CancellationTokenSource();
        var dripping = Task.Run(async () =>
        {
            foreach (var b in Frame(100))
            {
                await trickle.Writer.WriteAsync(new[] { b }, stop.Token);
                await Task.Delay(50, stop.Token);
            }
        });
        var error = await Should.ThrowAsync<PeerTimeoutException>(reading.Within());
        error.Message.ShouldBe("reading test frame: not complete within 0.4 s");
        error.Reason.ShouldBe("request-timeout");
        await stop.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(dripping);
    }

    [Fact]
    public async Task A_cancelled_read_keeps_what_arrived_for_the_next_call()
    {
        var pipe = SmallPipe();
        using var reader = Reader(pipe);
        var frame = Frame(2000, 9);
        using var cts = new CancellationTokenSource();
        var first = reader.ReadAsync(cts.Token).AsTask();
        await pipe.Writer.WriteAsync(frame.AsMemory(0, 700));
        await cts.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(first.Within());

        var second = reader.ReadAsync().AsTask();
        await pipe.Writer.WriteAsync(frame.AsMemory(700));
        var read = await second.Within();
        read.Frame.Length.ShouldBe(2000);
        read.Frame.ToArray().ShouldAllBe(b => b == 9);
    }

    [Fact]
    public async Task An_oversized_prefix_is_refused_before_the_payload()
    {
        var pipe = SmallPipe();
        using var reader = Reader(pipe);
        await pipe.Writer.WriteAsync(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF });
        var error = await Should.ThrowAsync<ProtocolViolationException>(reader.ReadAsync().AsTask().Within());
        error.Message.ShouldBe("malformed test frame: payload_length is 4294967295, expected at most 1048576 bytes");
    }
}
