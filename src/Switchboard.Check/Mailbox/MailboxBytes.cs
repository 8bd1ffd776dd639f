using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Check.Mailbox;

/// <summary>Handout 000 records built field by field, so cases can put any value (valid or not) in any field.</summary>
internal static class MailboxBytes
{
    public static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>A MessageRequest with every header field given explicitly and <paramref name="body"/> after it.</summary>
    public static byte[] Request(ushort magic, byte id, int nameLen, int receiverLen, int messageLen, ReadOnlySpan<byte> body)
    {
        var record = new byte[MailboxWire.RequestHeaderSize + body.Length];
        BinaryPrimitives.WriteUInt16BigEndian(record, magic);
        record[2] = id;
        record[3] = (byte)nameLen;
        record[4] = (byte)receiverLen;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(5), (ushort)messageLen);
        body.CopyTo(record.AsSpan(MailboxWire.RequestHeaderSize));
        return record;
    }

    public static byte[] Read(string user) => MessageRequestCodec.Encode(MessageRequest.Read(user));

    public static byte[] Create(string sender, string receiver, string text) =>
        MessageRequestCodec.Encode(MessageRequest.Create(sender, receiver, text));

    /// <summary>A create whose header is right except for what <paramref name="tamper"/> changes (bytes 0-6).</summary>
    public static byte[] TamperedCreate(string sender, string receiver, string text, Action<byte[]> tamper)
    {
        var record = Create(sender, receiver, text);
        tamper(record);
        return record;
    }

    /// <summary>A MessageResponse with every header field given explicitly, then <paramref name="items"/> as raw bytes.</summary>
    public static byte[] Response(ushort magic, byte id, byte numItems, byte moreMsgs, ReadOnlySpan<byte> items)
    {
        var record = new byte[MailboxWire.ResponseHeaderSize + items.Length];
        BinaryPrimitives.WriteUInt16BigEndian(record, magic);
        record[2] = id;
        record[3] = numItems;
        record[4] = moreMsgs;
        items.CopyTo(record.AsSpan(MailboxWire.ResponseHeaderSize));
        return record;
    }

    /// <summary>One response item with explicit length fields (which may disagree with the bytes).</summary>
    public static byte[] Item(int senderLen, int messageLen, ReadOnlySpan<byte> sender, ReadOnlySpan<byte> text)
    {
        var item = new byte[MailboxWire.ItemHeaderSize + sender.Length + text.Length];
        item[0] = (byte)senderLen;
        BinaryPrimitives.WriteUInt16BigEndian(item.AsSpan(1), (ushort)messageLen);
        sender.CopyTo(item.AsSpan(3));
        text.CopyTo(item.AsSpan(3 + sender.Length));
        return item;
    }

    public static byte[] Item(string sender, string text) => Item(Encoding.UTF8.GetByteCount(sender), Encoding.UTF8.GetByteCount(text), Utf8(sender), Utf8(text));

    /// <summary>A well-formed response carrying <paramref name="messages"/>.</summary>
    public static byte[] Response(IReadOnlyList<MailboxMessage> messages, bool more) => MessageResponseCodec.Encode(messages, more);

    /// <summary>
    /// Decodes <paramref name="bytes"/> as one whole MessageResponse with nothing after it; on failure says what is wrong.
    /// </summary>
    public static bool TryDecodeResponse(byte[] bytes, out MessageResponseHeader header, out List<MailboxMessage> messages, out string problem)
    {
        header = default;
        messages = [];
        var sequence = new ReadOnlySequence<byte>(bytes);
        var status = MessageResponseCodec.TryDecode(sequence, out var response, out var consumed, out var error);
        switch (status)
        {
            case DecodeStatus.Invalid:
                problem = $"a malformed MessageResponse ({error}): {Hex.Preview(bytes, 16)}";
                return false;
            case DecodeStatus.Incomplete:
                problem = bytes.Length == 0
                    ? "no MessageResponse at all"
                    : $"an incomplete MessageResponse of {bytes.Length} bytes: {Hex.Preview(bytes, 16)}";
                return false;
        }
        var extra = sequence.Slice(consumed).Length;
        if (extra > 0)
        {
            problem = $"{extra} bytes after the end of the MessageResponse: {Hex.Preview(sequence.Slice(consumed), 16)}";
            return false;
        }
        (header, messages) = response;
        problem = "";
        return true;
    }
}
