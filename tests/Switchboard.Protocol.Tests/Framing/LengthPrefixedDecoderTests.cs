using System.Buffers;
using Switchboard.Protocol.Echo;
using Switchboard.Protocol.Framing;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Framing;

public sealed class LengthPrefixedDecoderTests
{
    private static readonly LengthPrefixedDecoder Decoder = new(maxPayloadBytes: 1000);

    private static byte[] Frame(byte[] payload)
    {
        var writer = new ArrayBufferWriter<byte>();
        LengthPrefixedDecoder.Write(writer, payload);
        return writer.WrittenSpan.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(257)]
    public void Every_split_of_a_frame_decodes_to_the_same_payload(int length)
    {
        var payload = Enumerable.Range(0, length).Select(i => (byte)(i * 7)).ToArray();
        var frame = Frame(payload);
        foreach (var (cut, prefix, whole) in Segments.EveryCut(frame))
        {
            if (cut < frame.Length)
            {
                Decoder.TryDecode(prefix, out _, out _, out _).ShouldBe(DecodeStatus.Incomplete, $"prefix of {cut} bytes");
            }
            Decoder.TryDecode(whole, out var decoded, out var consumed, out _).ShouldBe(DecodeStatus.Complete, $"split at {cut}");
            decoded.ToArray().ShouldBe(payload);
            whole.Slice(consumed).Length.ShouldBe(0);
        }
        Decoder.TryDecode(Segments.ByteByByte(frame), out var bytewise, out _, out _).ShouldBe(DecodeStatus.Complete);
        bytewise.ToArray().ShouldBe(payload);
    }

    [Fact]
    public void The_payload_is_a_slice_of_the_input_not_a_copy()
    {
        var input = new ReadOnlySequence<byte>([.. Frame("abc"u8.ToArray()), 0, 0]);
        Decoder.TryDecode(input, out var payload, out var consumed, out _).ShouldBe(DecodeStatus.Complete);
        payload.Start.ShouldBe(input.GetPosition(4));
        consumed.ShouldBe(input.GetPosition(7));
        input.Slice(consumed).Length.ShouldBe(2, "the next frame's bytes are left alone");
    }

    [Fact]
    public void An_oversized_length_is_refused_as_soon_as_its_four_bytes_arrive()
    {
        Decoder.TryDecode(new ReadOnlySequence<byte>([0, 0, 3]), out _, out _, out _).ShouldBe(DecodeStatus.Incomplete);
        Decoder.TryDecode(new ReadOnlySequence<byte>([0, 0, 3, 0xE9]), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.ShouldBe(new DecodeError("payload_length", "1001", "at most 1000 bytes", "frame-too-large"));
        error.ToString().ShouldBe("payload_length is 1001, expected at most 1000 bytes");

        var chat = new LengthPrefixedDecoder(10, "datalen");
        chat.TryReadLength(Segments.ByteByByte([0xFF, 0xFF, 0xFF, 0xFF]), out _, out var huge).ShouldBe(DecodeStatus.Invalid);
        huge.ToString().ShouldBe("datalen is 4294967295, expected at most 10 bytes");
    }

    [Fact]
    public void The_limit_is_inclusive_and_validated()
    {
        Decoder.TryReadLength(new ReadOnlySequence<byte>([0, 0, 3, 0xE8]), out var length, out _).ShouldBe(DecodeStatus.Complete);
        length.ShouldBe(1000);
        Should.Throw<ArgumentOutOfRangeException>(() => new LengthPrefixedDecoder(-1)).Message.ShouldContain("got -1");
    }

    [Fact]
    public void The_encode_helpers_write_header_and_payload_big_endian()
    {
        Frame([1, 2]).ShouldBe([0, 0, 0, 2, 1, 2]);
        var writer = new ArrayBufferWriter<byte>();
        LengthPrefixedDecoder.Write(writer, Segments.Of([1], [2, 3])).ShouldBe(7);
        writer.WrittenSpan.ToArray().ShouldBe([0, 0, 0, 3, 1, 2, 3]);
        LengthPrefixedDecoder.WriteHeader(writer, 0x01020304);
        writer.WrittenSpan[7..].ToArray().ShouldBe([1, 2, 3, 4]);
    }

    [Fact]
    public void Random_frames_round_trip_through_any_segmentation()
    {
        var random = new Random(8);
        for (var round = 0; round < 500; round++)
        {
            var payloads = Enumerable.Range(0, random.Next(1, 5)).Select(_ =>
            {
                var p = new byte[random.Next(0, 300)];
                random.NextBytes(p);
                return p;
            }).ToArray();
            var stream = payloads.SelectMany(Frame).ToArray();
            var parts = new List<byte[]>();
            for (var at = 0; at < stream.Length;)
            {
                var n = Math.Min(random.Next(1, 40), stream.Length - at);
                parts.Add(stream[at..(at + n)]);
                at += n;
            }
            var input = Segments.Of([.. parts]);
            foreach (var expected in payloads)
            {
                Decoder.TryDecode(input, out var payload, out var consumed, out _).ShouldBe(DecodeStatus.Complete);
                payload.ToArray().ShouldBe(expected);
                input = input.Slice(consumed);
            }
            input.Length.ShouldBe(0);
        }
    }

    [Theory]
    [InlineData("Four score and seven years ago")]
    [InlineData("short")]
    [InlineData("")]
    [InlineData("😀😀😀😀😀😀😀😀😀😀abc")]
    [InlineData("e\u0301e\u0301e\u0301e\u0301e\u0301e\u0301")]
    [InlineData("abcdefghi😀𝔘𝔫")]
    public void The_byte_level_reply_is_the_utf8_of_the_string_reply(string message)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(message);
        foreach (var (_, _, whole) in Segments.EveryCut(bytes))
        {
            EchoFrameCodec.TryValidatePayload(whole, out _).ShouldBeTrue();
            var reply = whole.Slice(EchoReply.Utf8ReplyStart(whole));
            System.Text.Encoding.UTF8.GetString(reply.ToArray()).ShouldBe(EchoReply.For(message));
            EchoReply.CodePointCount(whole).ShouldBe(EchoReply.CodePointCount(message));
        }
    }

    [Fact]
    public void Payload_validation_names_the_first_bad_byte_across_segments()
    {
        EchoFrameCodec.TryValidatePayload(Segments.Of([0x61, 0xC3], [0x28]), out var error).ShouldBeFalse();
        error.ToString().ShouldBe("payload is not valid UTF-8 at byte 1 (c328), expected UTF-8 text");
        EchoFrameCodec.TryValidatePayload(new ReadOnlySequence<byte>([0xED, 0xA0, 0x80]), out _).ShouldBeFalse("encoded surrogate");
    }
}
