using System.IO.Pipelines;
using Switchboard.Protocol;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Tests.Framing;

public sealed class PipeFrameReaderTests
{
    private static GapTimer Timer(int ms = 300) => new(TimeSpan.FromMilliseconds(ms));

    [Fact]
    public async Task A_frame_written_one_byte_at_a_time_is_reassembled()
    {
        var pipe = new Pipe();
        using var timer = Timer();
        var reading = pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask();
        foreach (var b in TestFrames.Encode("piecemeal"))
        {
            await pipe.Writer.WriteAsync(new[] { b });
        }
        (await reading.Within()).ShouldBe("piecemeal");
    }

    [Fact]
    public async Task Bytes_of_the_next_frame_stay_for_the_next_read()
    {
        var pipe = new Pipe();
        using var timer = Timer();
        byte[] bytes = [.. TestFrames.Encode("one"), .. TestFrames.Encode("two"), 5, (byte)'t'];
        await pipe.Writer.WriteAsync(bytes);
        (await pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame")).ShouldBe("one");
        (await pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame")).ShouldBe("two");
        pipe.Reader.BufferedByteCount().ShouldBe(2);
        var third = pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask();
        await pipe.Writer.WriteAsync("hree"u8.ToArray());
        (await third.Within()).ShouldBe("three");
    }

    [Fact]
    public async Task Invalid_bytes_raise_the_decoders_error()
    {
        var pipe = new Pipe();
        using var timer = Timer();
        await pipe.Writer.WriteAsync(new byte[] { 200 });
        var error = await Should.ThrowAsync<ProtocolViolationException>(pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask());
        error.Message.ShouldBe("malformed test frame: Length is 200, expected 1-100");
        error.Reason.ShouldBe("bad-length");
    }

    [Fact]
    public async Task End_of_stream_inside_a_frame_says_how_much_arrived()
    {
        var pipe = new Pipe();
        using var timer = Timer();
        await pipe.Writer.WriteAsync(new byte[] { 10, (byte)'a', (byte)'b' });
        await pipe.Writer.CompleteAsync();
        var error = await Should.ThrowAsync<PeerClosedException>(pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask());
        error.Message.ShouldBe("connection closed after 3 bytes of an incomplete test frame");
    }

    [Fact]
    public async Task End_of_stream_before_a_frame_is_reported_as_such()
    {
        var pipe = new Pipe();
        using var timer = Timer();
        await pipe.Writer.CompleteAsync();
        (await Should.ThrowAsync<PeerClosedException>(pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask()))
            .Message.ShouldBe("connection closed before test frame arrived");
    }

    [Fact]
    public async Task A_stall_inside_a_frame_breaks_the_gap_rule()
    {
        var pipe = new Pipe();
        using var timer = Timer(150);
        await pipe.Writer.WriteAsync(new byte[] { 5, (byte)'a' });
        var error = await Should.ThrowAsync<PeerTimeoutException>(pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask()).Within();
        error.Message.ShouldBe("reading test frame: no progress for 0.15 s (gap rule)");
    }

    [Fact]
    public async Task Idle_before_the_first_byte_is_allowed_when_asked_for()
    {
        var pipe = new Pipe();
        using var timer = Timer(100);
        var reading = pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame", idleUntilFirstByte: true).AsTask();
        (await Task.WhenAny(reading, Task.Delay(400))).ShouldNotBe(reading, "idle connections wait");
        await pipe.Writer.WriteAsync(TestFrames.Encode("late"));
        (await reading.Within()).ShouldBe("late");
    }

    [Fact]
    public async Task Steady_progress_keeps_the_gap_timer_from_firing()
    {
        var pipe = new Pipe();
        // The gap is 5 steps long, so a busy machine that stretches a step several times over cannot fire it.
        using var timer = Timer(1000);
        var reading = pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask();
        foreach (var b in TestFrames.Encode("0123456789"))
        {
            await pipe.Writer.WriteAsync(new[] { b });
            // Each byte is progress; the total (~2.8 s) is several gaps long.
            await Task.WhenAny(reading, Task.Delay(200));
        }
        (await reading.Within()).ShouldBe("0123456789");
    }
}

public sealed class PipeFrameReaderCloseTests
{
    [Fact]
    public async Task TryReadFrame_reports_a_clean_close_between_frames_and_throws_inside_one()
    {
        var pipe = new Pipe();
        using var timer = new GapTimer(TimeSpan.FromSeconds(5));
        await pipe.Writer.WriteAsync(TestFrames.Encode("last"));
        await pipe.Writer.CompleteAsync();
        var first = await pipe.Reader.TryReadFrameAsync(TestFrames.Decoder, timer, "test frame", idleUntilFirstByte: true);
        first.IsClosed.ShouldBeFalse();
        first.Frame.ShouldBe("last");
        (await pipe.Reader.TryReadFrameAsync(TestFrames.Decoder, timer, "test frame", idleUntilFirstByte: true)).IsClosed.ShouldBeTrue();
        (await Should.ThrowAsync<PeerClosedException>(pipe.Reader.ReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask()))
            .Message.ShouldBe("connection closed before test frame arrived");

        var broken = new Pipe();
        await broken.Writer.WriteAsync(new byte[] { 5, (byte)'a' });
        await broken.Writer.CompleteAsync();
        (await Should.ThrowAsync<PeerClosedException>(broken.Reader.TryReadFrameAsync(TestFrames.Decoder, timer, "test frame").AsTask()))
            .Message.ShouldBe("connection closed after 2 bytes of an incomplete test frame");
    }
}
