using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using Switchboard.Protocol.Chat;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Chat;

public sealed class ChatFrameCodecTests
{
    [Fact]
    public void Encode_writes_a_big_endian_length_then_utf8()
    {
        ChatFrameCodec.Encode("accept").ShouldBe(new byte[] { 0, 0, 0, 6, (byte)'a', (byte)'c', (byte)'c', (byte)'e', (byte)'p', (byte)'t' });
        ChatFrameCodec.Encode("é").ShouldBe(new byte[] { 0, 0, 0, 2, 0xC3, 0xA9 });
        ChatFrameCodec.Encode(string.Empty).ShouldBe(new byte[] { 0, 0, 0, 0 });
    }

    [Fact]
    public void A_frame_split_at_every_byte_decodes_only_when_whole()
    {
        var bytes = ChatFrameCodec.Encode(">     Thanos: Hello 👋");
        foreach (var (cut, prefix, whole) in Segments.EveryCut(bytes))
        {
            var status = ChatFrameCodec.FromClients.TryDecode(prefix, out _, out _, out _);
            status.ShouldBe(cut == bytes.Length ? DecodeStatus.Complete : DecodeStatus.Incomplete, $"cut {cut}");
            ChatFrameCodec.FromClients.TryDecode(whole, out var text, out var consumed, out _).ShouldBe(DecodeStatus.Complete);
            text.ShouldBe(">     Thanos: Hello 👋");
            whole.Slice(whole.Start, consumed).Length.ShouldBe(bytes.Length);
        }
        ChatFrameCodec.FromClients.TryDecode(Segments.ByteByByte(bytes), out var byByte, out _, out _).ShouldBe(DecodeStatus.Complete);
        byByte.ShouldBe(">     Thanos: Hello 👋");
    }

    [Fact]
    public void The_longest_valid_message_fits_and_one_byte_more_is_refused_from_the_header_alone()
    {
        var longest = string.Concat(Enumerable.Repeat("😀", ChatWire.MaxMessageCharacters));
        var frame = ChatFrameCodec.Encode(longest);
        frame.Length.ShouldBe(4 + ChatWire.MaxClientDataBytes);
        ChatFrameCodec.FromClients.TryDecode(new ReadOnlySequence<byte>(frame), out var text, out _, out _).ShouldBe(DecodeStatus.Complete);
        text.ShouldBe(longest);

        var header = new byte[] { 0, 0, 0x0F, 0xA1 }; // 4001
        ChatFrameCodec.FromClients.TryDecode(new ReadOnlySequence<byte>(header), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("datalen");
        error.Value.ShouldBe("4001");
        error.Reason.ShouldBe("frame-too-large");
        ChatFrameCodec.FromClients.TryDecode(new ReadOnlySequence<byte>(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF }), out _, out _, out _).ShouldBe(DecodeStatus.Invalid);
    }

    [Fact]
    public void Invalid_utf8_is_refused_naming_the_data()
    {
        var frame = new byte[] { 0, 0, 0, 2, 0xC3, 0x28 };
        ChatFrameCodec.FromClients.TryDecode(new ReadOnlySequence<byte>(frame), out _, out var consumed, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("data");
        error.Reason.ShouldBe("bad-utf8");
    }

    [Fact]
    public void Two_frames_in_one_read_decode_one_at_a_time()
    {
        var bytes = ChatFrameCodec.Encode("accept").Concat(ChatFrameCodec.Encode("username-accepted")).ToArray();
        var input = new ReadOnlySequence<byte>(bytes);
        ChatFrameCodec.FromServer.TryDecode(input, out var first, out var consumed, out _).ShouldBe(DecodeStatus.Complete);
        first.ShouldBe("accept");
        ChatFrameCodec.FromServer.TryDecode(input.Slice(consumed), out var second, out _, out _).ShouldBe(DecodeStatus.Complete);
        second.ShouldBe("username-accepted");
    }

    [Fact]
    public void Any_text_round_trips_through_any_split()
    {
        var text = ArbMap.Default.ArbFor<string>().Filter(s => s is not null && !HasLoneSurrogate(s));
        Prop.ForAll(text, ArbMap.Default.ArbFor<int[]>(), (s, cuts) =>
        {
            var bytes = ChatFrameCodec.Encode(s);
            var input = Split(bytes, cuts);
            return ChatFrameCodec.FromServer.TryDecode(input, out var decoded, out var consumed, out _) == DecodeStatus.Complete
                && decoded == s
                && input.Slice(input.Start, consumed).Length == bytes.Length;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Random_bytes_never_throw_and_never_consume_past_a_frame()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<int[]>(), (bytes, cuts) =>
        {
            var input = Split(bytes, cuts);
            var small = new ChatFrameCodec(16);
            var status = small.TryDecode(input, out _, out var consumed, out var error);
            var used = input.Slice(input.Start, consumed).Length;
            return status switch
            {
                DecodeStatus.Complete => used >= 4 && used <= bytes.Length,
                DecodeStatus.Incomplete => used == 0,
                DecodeStatus.Invalid => used == 0 && error.Field is "datalen" or "data",
                _ => false,
            };
        }).QuickCheckThrowOnFailure();
    }

    private static ReadOnlySequence<byte> Split(byte[] bytes, int[] cuts)
    {
        var points = cuts.Select(c => Math.Abs(c % (bytes.Length + 1))).Distinct().Order().ToList();
        var parts = new List<byte[]>();
        var at = 0;
        foreach (var p in points)
        {
            parts.Add(bytes[at..p]);
            at = p;
        }
        parts.Add(bytes[at..]);
        return Segments.Of(parts.ToArray());
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }
        return false;
    }
}
