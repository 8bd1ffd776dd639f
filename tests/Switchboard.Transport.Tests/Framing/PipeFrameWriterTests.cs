using System.Buffers;
using System.IO.Pipelines;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Tests.Framing;

public sealed class PipeFrameWriterTests
{
    [Fact]
    public async Task A_peer_that_stops_reading_breaks_the_gap_rule()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512));
        using var timer = new GapTimer(TimeSpan.FromMilliseconds(150));
        var error = await Should.ThrowAsync<PeerTimeoutException>(pipe.Writer.WriteWithGapAsync(new byte[64 * 1024], timer, "test response", chunkSize: 4096).AsTask()).Within();
        error.Message.ShouldBe("writing test response: no progress for 0.15 s (gap rule)");
    }

    [Fact]
    public async Task A_reader_that_keeps_up_receives_everything()
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1024, resumeWriterThreshold: 512));
        using var timer = new GapTimer(TimeSpan.FromSeconds(2));
        var payload = Enumerable.Range(0, 100_000).Select(i => (byte)i).ToArray();
        var reading = Task.Run(async () =>
        {
            var all = new List<byte>();
            while (true)
            {
                var result = await pipe.Reader.ReadAsync();
                all.AddRange(result.Buffer.ToArray());
                pipe.Reader.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted)
                {
                    return all.ToArray();
                }
            }
        });
        await pipe.Writer.WriteWithGapAsync(payload, timer, "test response", chunkSize: 1000);
        await pipe.Writer.CompleteAsync();
        (await reading.Within()).ShouldBe(payload);
    }

    [Fact]
    public async Task Writing_to_a_closed_peer_is_reported()
    {
        var pipe = new Pipe();
        await pipe.Reader.CompleteAsync();
        using var timer = new GapTimer(TimeSpan.FromSeconds(1));
        pipe.Writer.Write(new byte[] { 1 });
        (await Should.ThrowAsync<PeerClosedException>(pipe.Writer.FlushWithGapAsync(timer, "test response").AsTask()))
            .Message.ShouldBe("connection closed while writing test response");
    }
}
