using Switchboard.Protocol;
using Switchboard.Protocol.Echo;
using Switchboard.Services.Echo;

namespace Switchboard.Services.Tests.Echo;

public sealed class EchoFrameBufferTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(1024)]
    public void Every_receive_is_offered_at_most_buffer_size_bytes_and_messages_come_out_whole(int bufferSize)
    {
        var buffer = new EchoFrameBuffer(bufferSize, EchoFrameCodec.Default);
        string[] messages = ["", "short", new string('L', 5000), "😀 after the long one"];
        var stream = messages.SelectMany(EchoFrameCodec.Encode).ToArray();
        var taken = new List<string>();
        var at = 0;
        while (at < stream.Length)
        {
            var memory = buffer.GetReceiveMemory();
            memory.Length.ShouldBeLessThanOrEqualTo(bufferSize);
            var n = Math.Min(memory.Length, stream.Length - at);
            stream.AsSpan(at, n).CopyTo(memory.Span);
            buffer.Advance(n);
            at += n;
            while (buffer.TryTake(out var message, out _) == DecodeStatus.Complete)
            {
                taken.Add(message);
            }
        }
        taken.ShouldBe(messages);
        buffer.Buffered.ShouldBe(0);
    }

    [Fact]
    public void An_invalid_prefix_is_reported_without_growing_the_store()
    {
        var buffer = new EchoFrameBuffer(16, new EchoFrameCodec(100));
        byte[] prefix = [0, 0, 1, 0];
        prefix.CopyTo(buffer.GetReceiveMemory().Span);
        buffer.Advance(4);
        buffer.TryTake(out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.ToString().ShouldBe("payload_length is 256, expected at most 100 bytes");
    }
}
