using System.Buffers;
using Switchboard.Protocol.Mailbox;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Mailbox;

public sealed class MessageResponseCodecTests
{
    [Fact]
    public void Response_matches_the_handout_layout_byte_for_byte()
    {
        var bytes = MessageResponseCodec.Encode([new MailboxMessage("al", "hey")], moreMessages: true);
        bytes.ShouldBe(new byte[] { 0xAE, 0x73, 3, 1, 1, 2, 0, 3, (byte)'a', (byte)'l', (byte)'h', (byte)'e', (byte)'y' });
    }

    [Fact]
    public void Empty_response_is_the_five_byte_header()
    {
        MessageResponseCodec.Encode([], moreMessages: false).ShouldBe(new byte[] { 0xAE, 0x73, 3, 0, 0 });
    }

    [Fact]
    public void Full_response_round_trips_at_every_split()
    {
        var messages = Enumerable.Range(0, 255).Select(i => new MailboxMessage($"sender{i % 7} ☃", $"message {i} 🎉")).ToList();
        var bytes = MessageResponseCodec.Encode(messages, moreMessages: true);
        foreach (var (cut, _, whole) in Segments.EveryCut(bytes).Where(c => c.Cut % 97 == 0 || c.Cut < 16))
        {
            MessageResponseCodec.TryDecode(whole, out var response, out _, out _).ShouldBe(DecodeStatus.Complete, $"split at {cut}");
            response.Header.ShouldBe(new MessageResponseHeader(255, true));
            response.Messages.ShouldBe(messages);
        }
        for (var prefix = 0; prefix < bytes.Length; prefix += 61)
        {
            MessageResponseCodec.TryDecode(new ReadOnlySequence<byte>(bytes, 0, prefix), out _, out _, out _).ShouldBe(DecodeStatus.Incomplete);
        }
    }

    [Fact]
    public void Item_decodes_one_byte_per_segment()
    {
        var bytes = MessageResponseCodec.Encode([new MailboxMessage("Zoë", "héllo")], false)[MailboxWire.ResponseHeaderSize..];
        MessageResponseCodec.ItemDecoder.TryDecode(Segments.ByteByByte(bytes), out var item, out _, out _).ShouldBe(DecodeStatus.Complete);
        item.ShouldBe(new MailboxMessage("Zoë", "héllo"));
    }

    [Fact]
    public void Header_with_wrong_magic_is_invalid()
    {
        MessageResponseCodec.HeaderDecoder.TryDecode(new ReadOnlySequence<byte>([0xAE, 0x74]), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("MagicNo");
        error.Value.ShouldBe("0xAE74");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    public void Header_with_ID_other_than_3_is_invalid(byte id)
    {
        MessageResponseCodec.HeaderDecoder.TryDecode(new ReadOnlySequence<byte>([0xAE, 0x73, id]), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("ID");
    }

    [Fact]
    public void MoreMsgs_other_than_0_or_1_is_invalid()
    {
        MessageResponseCodec.HeaderDecoder.TryDecode(new ReadOnlySequence<byte>([0xAE, 0x73, 3, 0, 2]), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("MoreMsgs");
        error.Value.ShouldBe("2");
    }

    [Fact]
    public void SenderLen_zero_is_invalid()
    {
        MessageResponseCodec.ItemDecoder.TryDecode(new ReadOnlySequence<byte>([0, 0, 1]), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("SenderLen");
    }

    [Fact]
    public void Item_MessageLen_zero_is_invalid()
    {
        MessageResponseCodec.ItemDecoder.TryDecode(new ReadOnlySequence<byte>([1, 0, 0, (byte)'a']), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("MessageLen");
    }

    [Fact]
    public void Item_with_invalid_utf8_is_invalid()
    {
        MessageResponseCodec.ItemDecoder.TryDecode(new ReadOnlySequence<byte>([1, 0, 1, (byte)'a', 0xFF]), out _, out _, out var error).ShouldBe(DecodeStatus.Invalid);
        error.Field.ShouldBe("Message");
        error.Reason.ShouldBe("bad-utf8");
    }

    [Fact]
    public void Encoding_refuses_items_that_do_not_fit()
    {
        var writer = new ArrayBufferWriter<byte>();
        Should.Throw<ArgumentException>(() => MessageResponseCodec.WriteItem(writer, new MailboxMessage("", "x")));
        Should.Throw<ArgumentException>(() => MessageResponseCodec.WriteItem(writer, new MailboxMessage("a", "")));
        Should.Throw<ArgumentException>(() => MessageResponseCodec.WriteItem(writer, new MailboxMessage("a", new string('x', 65536))));
        Should.Throw<ArgumentOutOfRangeException>(() => MessageResponseCodec.WriteHeader(writer, 256, false));
    }
}
