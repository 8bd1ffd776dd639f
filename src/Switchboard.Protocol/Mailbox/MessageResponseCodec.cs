using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Switchboard.Protocol.Mailbox;

/// <summary>The fixed header of a MessageResponse: how many messages follow, and whether more wait on the server.</summary>
public readonly record struct MessageResponseHeader(int NumItems, bool MoreMessages);

/// <summary>
/// Encodes and decodes MessageResponse records (handout 000 §3.3.2). The record is written and read
/// as a header followed by <see cref="MessageResponseHeader.NumItems"/> items, so neither side has to
/// hold a whole (up to 16 MiB) response in memory.
/// </summary>
public static class MessageResponseCodec
{
    public const string RecordName = "MessageResponse";

    /// <summary>Decodes the 5-byte fixed header: MagicNo, ID = 3, NumItems, MoreMsgs ∈ {0, 1}.</summary>
    public static IFrameDecoder<MessageResponseHeader> HeaderDecoder { get; } = new HeaderCodec();

    /// <summary>Decodes one message item: SenderLen ≥ 1, MessageLen ≥ 1, then sender and text as UTF-8.</summary>
    public static IFrameDecoder<MailboxMessage> ItemDecoder { get; } = new ItemCodec();

    /// <summary>Writes the fixed header.</summary>
    public static void WriteHeader(IBufferWriter<byte> writer, int numItems, bool moreMessages)
    {
        if (numItems is < 0 or > MailboxWire.MaxItemsPerResponse)
        {
            throw new ArgumentOutOfRangeException(nameof(numItems), numItems, "NumItems must be 0-255");
        }
        var span = writer.GetSpan(MailboxWire.ResponseHeaderSize);
        BinaryPrimitives.WriteUInt16BigEndian(span, MailboxWire.Magic);
        span[2] = MailboxWire.ResponseId;
        span[3] = (byte)numItems;
        span[4] = moreMessages ? (byte)1 : (byte)0;
        writer.Advance(MailboxWire.ResponseHeaderSize);
    }

    /// <summary>Writes one message item; returns the bytes written.</summary>
    /// <exception cref="ArgumentException">Sender or text is empty or too long for its length field.</exception>
    public static int WriteItem(IBufferWriter<byte> writer, MailboxMessage message)
    {
        var senderLen = Encoding.UTF8.GetByteCount(message.Sender);
        var textLen = Encoding.UTF8.GetByteCount(message.Text);
        if (senderLen is < 1 or > MailboxWire.MaxNameBytes)
        {
            throw new ArgumentException($"sender is {Utf8Text.Bytes(senderLen)}, expected 1-255", nameof(message));
        }
        if (textLen is < 1 or > MailboxWire.MaxMessageBytes)
        {
            throw new ArgumentException($"message text is {Utf8Text.Bytes(textLen)}, expected 1-65535", nameof(message));
        }
        var size = MailboxWire.ItemHeaderSize + senderLen + textLen;
        var span = writer.GetSpan(size);
        span[0] = (byte)senderLen;
        BinaryPrimitives.WriteUInt16BigEndian(span[1..], (ushort)textLen);
        Encoding.UTF8.GetBytes(message.Sender, span[3..]);
        Encoding.UTF8.GetBytes(message.Text, span[(3 + senderLen)..]);
        writer.Advance(size);
        return size;
    }

    /// <summary>Encodes a whole response (tests, small responses).</summary>
    public static byte[] Encode(IReadOnlyList<MailboxMessage> messages, bool moreMessages)
    {
        var buffer = new ArrayBufferWriter<byte>();
        WriteHeader(buffer, messages.Count, moreMessages);
        foreach (var m in messages)
        {
            WriteItem(buffer, m);
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Decodes a whole response held in memory: the header, then exactly NumItems items.</summary>
    public static DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out (MessageResponseHeader Header, List<MailboxMessage> Messages) response, out SequencePosition consumed, out DecodeError error)
    {
        response = default;
        var status = HeaderDecoder.TryDecode(input, out var header, out consumed, out error);
        if (status != DecodeStatus.Complete)
        {
            return status;
        }
        var rest = input.Slice(consumed);
        var messages = new List<MailboxMessage>(header.NumItems);
        for (var i = 0; i < header.NumItems; i++)
        {
            status = ItemDecoder.TryDecode(rest, out var item, out var end, out error);
            if (status != DecodeStatus.Complete)
            {
                consumed = input.Start;
                return status;
            }
            messages.Add(item);
            rest = rest.Slice(end);
        }
        response = (header, messages);
        consumed = rest.Start;
        return DecodeStatus.Complete;
    }

    private sealed class HeaderCodec : IFrameDecoder<MessageResponseHeader>
    {
        public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out MessageResponseHeader frame, out SequencePosition consumed, out DecodeError error)
        {
            frame = default;
            consumed = input.Start;
            error = default;
            var h = new FixedHeader(input, stackalloc byte[MailboxWire.ResponseHeaderSize]);
            if (!h.MagicIs(MailboxWire.Magic, out error))
            {
                return DecodeStatus.Invalid;
            }
            if (h.Has(3) && h[2] != MailboxWire.ResponseId)
            {
                return FixedHeader.Fail(new DecodeError("ID", h[2].ToString(), "3", "bad-id"), out error);
            }
            if (h.Has(5) && h[4] > 1)
            {
                return FixedHeader.Fail(new DecodeError("MoreMsgs", h[4].ToString(), "0 or 1", "bad-more-msgs"), out error);
            }
            if (!h.IsComplete)
            {
                return DecodeStatus.Incomplete;
            }
            frame = new MessageResponseHeader(h[3], h[4] == 1);
            consumed = input.GetPosition(MailboxWire.ResponseHeaderSize);
            return DecodeStatus.Complete;
        }
    }

    private sealed class ItemCodec : IFrameDecoder<MailboxMessage>
    {
        public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out MailboxMessage frame, out SequencePosition consumed, out DecodeError error)
        {
            frame = null!;
            consumed = input.Start;
            error = default;
            var h = new FixedHeader(input, stackalloc byte[MailboxWire.ItemHeaderSize]);
            if (h.Has(1) && h[0] == 0)
            {
                return FixedHeader.Fail(new DecodeError("SenderLen", "0", "at least 1", "bad-sender-length"), out error);
            }
            if (!h.IsComplete)
            {
                return DecodeStatus.Incomplete;
            }
            var textLen = h.U16(1);
            if (textLen == 0)
            {
                return FixedHeader.Fail(new DecodeError("MessageLen", "0", "at least 1", "bad-message-length"), out error);
            }
            long total = MailboxWire.ItemHeaderSize + h[0] + textLen;
            if (input.Length < total)
            {
                return DecodeStatus.Incomplete;
            }
            var body = input.Slice(MailboxWire.ItemHeaderSize);
            if (!Utf8Text.TryDecodeField(body.Slice(0, h[0]), "SenderName", out var sender, out error)
                || !Utf8Text.TryDecodeField(body.Slice(h[0], textLen), "Message", out var text, out error))
            {
                return DecodeStatus.Invalid;
            }
            frame = new MailboxMessage(sender, text);
            consumed = input.GetPosition(total);
            return DecodeStatus.Complete;
        }
    }
}
