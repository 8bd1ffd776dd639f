using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Switchboard.Protocol.Echo;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Echo;

public sealed class EchoFrameCodecTests
{
    public static TheoryData<string> Messages => new()
    {
        "",
        "a",
        "Four score and seven years ago",
        "héllo wörld ñ",
        "😀😁😂🤣😃😄😅😆😉😊 and more",
        "e\u0301e\u0301e\u0301",
        new string('x', 5000),
    };

    [Fact]
    public void Encodes_the_handouts_example_as_length_then_utf8()
    {
        var frame = EchoFrameCodec.Encode("Four score and seven years ago");
        frame[..4].ShouldBe(new byte[] { 0, 0, 0, 30 });
        Encoding.UTF8.GetString(frame, 4, frame.Length - 4).ShouldBe("Four score and seven years ago");
    }

    [Fact]
    public void Payload_length_counts_utf8_bytes_not_characters()
    {
        var frame = EchoFrameCodec.Encode("😀é");
        frame[..4].ShouldBe(new byte[] { 0, 0, 0, 6 });
        frame.Length.ShouldBe(10);
    }

    [Fact]
    public void Encoding_a_lone_surrogate_is_refused_like_pythons_encode()
    {
        var e = Should.Throw<ArgumentException>(() => EchoFrameCodec.Encode("ab\uD83Dcd"));
        e.Message.ShouldContain("lone surrogate U+D83D at index 2");
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void Every_prefix_is_incomplete_and_every_split_decodes(string message)
    {
        var frame = EchoFrameCodec.Encode(message);
        var codec = EchoFrameCodec.Default;
        for (var cut = 0; cut < frame.Length; cut++)
        {
            codec.TryDecode(new ReadOnlySequence<byte>(frame, 0, cut), out _, out _, out _).ShouldBe(DecodeStatus.Incomplete, $"prefix of {cut} bytes");

            var split = Segments.Split(frame, cut);
            codec.TryDecode(split, out var decoded, out var consumed, out var error).ShouldBe(DecodeStatus.Complete, $"split at {cut}: {error}");
            decoded.ShouldBe(message);
            split.Slice(consumed).Length.ShouldBe(0);
        }
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void A_frame_split_into_single_bytes_decodes(string message)
    {
        var frame = EchoFrameCodec.Encode(message);
        var bytes = Segments.Split(frame, Enumerable.Range(1, frame.Length - 1).ToArray());
        EchoFrameCodec.Default.TryDecode(bytes, out var decoded, out _, out _).ShouldBe(DecodeStatus.Complete);
        decoded.ShouldBe(message);
    }

    [Fact]
    public void Two_frames_in_one_buffer_decode_one_at_a_time_leaving_the_second_intact()
    {
        var first = EchoFrameCodec.Encode("first message here");
        var second = EchoFrameCodec.Encode("😀 second");
        var both = first.Concat(second).ToArray();
        for (var cut = 0; cut <= both.Length; cut++)
        {
            var input = Segments.Split(both, cut);
            EchoFrameCodec.Default.TryDecode(input, out var a, out var afterFirst, out _).ShouldBe(DecodeStatus.Complete);
            a.ShouldBe("first message here");
            var rest = input.Slice(afterFirst);
            rest.ToArray().ShouldBe(second);
            EchoFrameCodec.Default.TryDecode(rest, out var b, out var afterSecond, out _).ShouldBe(DecodeStatus.Complete);
            b.ShouldBe("😀 second");
            rest.Slice(afterSecond).Length.ShouldBe(0);
        }
    }

    [Fact]
    public void A_4_GiB_length_prefix_is_invalid_from_its_four_bytes_alone()
    {
        var status = EchoFrameCodec.Default.TryDecode(new ReadOnlySequence<byte>([0xFF, 0xFF, 0xFF, 0xFF]), out _, out var consumed, out var error);
        status.ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("payload_length");
        error.Value.ShouldBe("4294967295");
        error.Reason.ShouldBe("frame-too-large");
        error.ToString().ShouldBe("payload_length is 4294967295, expected at most 16777216 bytes");
        consumed.GetInteger().ShouldBe(0);
    }

    [Fact]
    public void The_limit_is_inclusive_and_configurable()
    {
        var codec = new EchoFrameCodec(maxPayloadBytes: 5);
        codec.TryDecode(new ReadOnlySequence<byte>(EchoFrameCodec.Encode("12345")), out var ok, out _, out _).ShouldBe(DecodeStatus.Complete);
        ok.ShouldBe("12345");
        codec.TryDecode(new ReadOnlySequence<byte>([0, 0, 0, 6]), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.ToString().ShouldBe("payload_length is 6, expected at most 5 bytes");
        Should.Throw<ArgumentOutOfRangeException>(() => new EchoFrameCodec(-1)).Message.ShouldContain("-1");
    }

    [Fact]
    public void Invalid_utf8_is_invalid_naming_the_payload_and_the_byte()
    {
        byte[] frame = [0, 0, 0, 5, (byte)'a', (byte)'b', 0xC3, 0x28, (byte)'z'];
        EchoFrameCodec.Default.TryDecode(new ReadOnlySequence<byte>(frame), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("payload");
        error.Reason.ShouldBe("bad-utf8");
        error.Value.ShouldBe("not valid UTF-8 at byte 2 (c3287a)");
        EchoFrameCodec.Default.TryDecode(Segments.Split(frame, 5, 7), out _, out _, out var split).ShouldBe(DecodeStatus.Invalid);
        split.ShouldBe(error);
    }

    [Fact]
    public void Utf8_encoded_surrogates_are_invalid_as_in_python()
    {
        // U+D800 encoded as if it were a scalar value: Python's decode() refuses it, and so do we.
        byte[] frame = [0, 0, 0, 3, 0xED, 0xA0, 0x80];
        EchoFrameCodec.Default.TryDecode(new ReadOnlySequence<byte>(frame), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("payload");
    }

    [Fact]
    public void Random_bytes_never_throw_and_complete_frames_account_for_their_bytes()
    {
        var codec = new EchoFrameCodec(maxPayloadBytes: 64);
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes =>
        {
            var input = Segments.Split(bytes, bytes.Length / 3, bytes.Length / 2);
            var status = codec.TryDecode(input, out var frame, out var consumed, out _);
            var length = bytes.Length >= 4 ? (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes) : -1;
            return status switch
            {
                DecodeStatus.Complete => input.Slice(input.Start, consumed).Length == 4 + length && Encoding.UTF8.GetByteCount(frame) == length,
                DecodeStatus.Incomplete => bytes.Length < 4 || bytes.Length < 4 + length,
                _ => length > 64 || bytes.Length >= 4 + length,
            };
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Any_text_round_trips_through_encode_and_decode()
    {
        Prop.ForAll(EchoGenerators.Text(), text =>
        {
            var frame = EchoFrameCodec.Encode(text);
            var status = EchoFrameCodec.Default.TryDecode(Segments.Split(frame, frame.Length / 2), out var decoded, out _, out _);
            return status == DecodeStatus.Complete && decoded == text;
        }).QuickCheckThrowOnFailure();
    }
}
