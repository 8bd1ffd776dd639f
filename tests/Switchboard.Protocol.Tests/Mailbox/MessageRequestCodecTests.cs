using System.Buffers;
using Switchboard.Protocol.Mailbox;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Mailbox;

public sealed class MessageRequestCodecTests
{
    private static readonly MessageRequestCodec Codec = MessageRequestCodec.Instance;

    private static DecodeStatus Decode(byte[] bytes, out MessageRequest request, out DecodeError error) =>
        Decode(new ReadOnlySequence<byte>(bytes), out request, out _, out error);

    private static DecodeStatus Decode(ReadOnlySequence<byte> bytes, out MessageRequest request, out SequencePosition consumed, out DecodeError error) =>
        Codec.TryDecode(bytes, out request, out consumed, out error);

    private static byte[] Header(ushort magic, byte id, byte nameLen, byte receiverLen, ushort messageLen) =>
        [(byte)(magic >> 8), (byte)magic, id, nameLen, receiverLen, (byte)(messageLen >> 8), (byte)messageLen];

    [Fact]
    public void Read_request_matches_the_handout_layout_byte_for_byte()
    {
        var bytes = MessageRequestCodec.Encode(MessageRequest.Read("bob"));
        bytes.ShouldBe(new byte[] { 0xAE, 0x73, 1, 3, 0, 0, 0, (byte)'b', (byte)'o', (byte)'b' });
    }

    [Fact]
    public void Create_request_matches_the_handout_layout_byte_for_byte()
    {
        var bytes = MessageRequestCodec.Encode(MessageRequest.Create("al", "bo", "hi!"));
        bytes.ShouldBe(new byte[] { 0xAE, 0x73, 2, 2, 2, 0, 3, (byte)'a', (byte)'l', (byte)'b', (byte)'o', (byte)'h', (byte)'i', (byte)'!' });
    }

    [Theory]
    [InlineData("alice", "bob", "hello")]
    [InlineData("Zoë", "Łukasz", "☃ snow ❄ and 🎉 party")]
    [InlineData("a", "b", "c")]
    public void Create_round_trips(string sender, string receiver, string text)
    {
        var request = MessageRequest.Create(sender, receiver, text);
        Decode(MessageRequestCodec.Encode(request), out var decoded, out _).ShouldBe(DecodeStatus.Complete);
        decoded.ShouldBe(request);
    }

    [Fact]
    public void Largest_fields_round_trip_and_lengths_are_utf8_bytes()
    {
        var name = new string('n', 255);
        var message = string.Concat(Enumerable.Repeat("é", 32767)) + "x"; // 65535 bytes, 32768 characters
        var request = MessageRequest.Create(name, name, message);
        var bytes = MessageRequestCodec.Encode(request);
        bytes.Length.ShouldBe(MailboxWire.MaxRequestSize);
        (bytes[5] << 8 | bytes[6]).ShouldBe(65535);
        Decode(bytes, out var decoded, out _).ShouldBe(DecodeStatus.Complete);
        decoded.ShouldBe(request);
    }

    [Fact]
    public void Every_prefix_is_incomplete_and_every_split_decodes()
    {
        var bytes = MessageRequestCodec.Encode(MessageRequest.Create("sender", "receiver", "split me anywhere"));
        foreach (var (cut, prefix, whole) in Segments.EveryCut(bytes))
        {
            if (cut < bytes.Length)
            {
                Decode(prefix, out _, out _, out _).ShouldBe(DecodeStatus.Incomplete, $"prefix of {cut} bytes");
            }
            Decode(whole, out var request, out var consumed, out _).ShouldBe(DecodeStatus.Complete, $"split at {cut}");
            request.Message.ShouldBe("split me anywhere");
            whole.Slice(consumed).Length.ShouldBe(0);
        }
        Decode(Segments.ByteByByte(bytes), out var oneByOne, out _, out _).ShouldBe(DecodeStatus.Complete);
        oneByOne.Receiver.ShouldBe("receiver");
    }

    [Fact]
    public void A_following_record_is_left_unconsumed()
    {
        var first = MessageRequestCodec.Encode(MessageRequest.Read("one"));
        var second = MessageRequestCodec.Encode(MessageRequest.Read("two"));
        var both = new ReadOnlySequence<byte>([.. first, .. second]);
        Decode(both, out var request, out var consumed, out _).ShouldBe(DecodeStatus.Complete);
        request.User.ShouldBe("one");
        both.Slice(consumed).ToArray().ShouldBe(second);
    }

    [Fact]
    public void Wrong_magic_is_reported_after_two_bytes()
    {
        Decode([0x12, 0x34], out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("MagicNo");
        error.Value.ShouldBe("0x1234");
        error.ToString().ShouldBe("MagicNo is 0x1234, expected 0xAE73");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(255)]
    public void ID_other_than_1_or_2_is_invalid(byte id)
    {
        Decode(Header(0xAE73, id, 1, 0, 0), out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("ID");
        error.Value.ShouldBe(id.ToString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void NameLen_zero_is_invalid(byte id)
    {
        Decode(Header(0xAE73, id, 0, 1, 1), out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("NameLen");
    }

    [Fact]
    public void Read_with_a_receiver_is_invalid()
    {
        Decode(Header(0xAE73, 1, 1, 4, 0), out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("ReceiverLen");
        error.Value.ShouldBe("4");
    }

    [Fact]
    public void Read_with_a_message_is_invalid()
    {
        Decode(Header(0xAE73, 1, 1, 0, 300), out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("MessageLen");
        error.Value.ShouldBe("300");
    }

    [Fact]
    public void Create_without_a_receiver_is_invalid()
    {
        Decode(Header(0xAE73, 2, 1, 0, 5), out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("ReceiverLen");
    }

    [Fact]
    public void Create_without_a_message_is_invalid()
    {
        Decode(Header(0xAE73, 2, 1, 1, 0), out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("MessageLen");
    }

    [Theory]
    [InlineData(0, "UserName")]
    [InlineData(1, "ReceiverName")]
    [InlineData(2, "Message")]
    public void Invalid_utf8_in_any_field_is_invalid(int field, string name)
    {
        byte[][] parts = [[(byte)'a'], [(byte)'b'], [(byte)'c']];
        parts[field] = [0xC3, 0x28]; // a lead byte followed by a non-continuation byte
        byte[] bytes = [.. Header(0xAE73, 2, (byte)parts[0].Length, (byte)parts[1].Length, (ushort)parts[2].Length), .. parts[0], .. parts[1], .. parts[2]];
        Decode(bytes, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe(name);
        error.Reason.ShouldBe("bad-utf8");
    }

    [Fact]
    public void Encoding_refuses_fields_that_do_not_fit()
    {
        Should.Throw<ArgumentException>(() => MessageRequestCodec.Encode(MessageRequest.Read(""))).Message.ShouldContain("user name");
        Should.Throw<ArgumentException>(() => MessageRequestCodec.Encode(MessageRequest.Read(new string('x', 256)))).Message.ShouldContain("256 bytes");
        Should.Throw<ArgumentException>(() => MessageRequestCodec.Encode(MessageRequest.Create("a", "", "m"))).Message.ShouldContain("receiver");
        Should.Throw<ArgumentException>(() => MessageRequestCodec.Encode(MessageRequest.Create("a", "b", new string('x', 65536)))).Message.ShouldContain("message");
    }
}
