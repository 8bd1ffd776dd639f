using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace Switchboard.Protocol.Mailbox;

/// <summary>Encodes and decodes MessageRequest records (handout 000 §3.3.1), with every check the handout asks of a server.</summary>
public sealed class MessageRequestCodec : IFrameDecoder<MessageRequest>
{
    public const string RecordName = "MessageRequest";

    /// <summary>Stateless; share it.</summary>
    public static MessageRequestCodec Instance { get; } = new();

    /// <summary>Encodes <paramref name="request"/>.</summary>
    /// <exception cref="ArgumentException">A field does not fit its length field, or is empty where the handout requires bytes.</exception>
    public static byte[] Encode(MessageRequest request)
    {
        var user = Encoding.UTF8.GetBytes(request.User);
        var receiver = Encoding.UTF8.GetBytes(request.Receiver);
        var message = Encoding.UTF8.GetBytes(request.Message);
        Check(user.Length is >= 1 and <= MailboxWire.MaxNameBytes, "user name", user.Length, "1-255 bytes");
        if (request.Kind == MessageRequestKind.Create)
        {
            Check(receiver.Length is >= 1 and <= MailboxWire.MaxNameBytes, "receiver name", receiver.Length, "1-255 bytes");
            Check(message.Length is >= 1 and <= MailboxWire.MaxMessageBytes, "message", message.Length, "1-65535 bytes");
        }
        else
        {
            Check(receiver.Length == 0 && message.Length == 0, "read request receiver/message", receiver.Length + message.Length, "0 bytes");
        }

        var record = new byte[MailboxWire.RequestHeaderSize + user.Length + receiver.Length + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(record, MailboxWire.Magic);
        record[2] = (byte)request.Kind;
        record[3] = (byte)user.Length;
        record[4] = (byte)receiver.Length;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(5), (ushort)message.Length);
        user.CopyTo(record, 7);
        receiver.CopyTo(record, 7 + user.Length);
        message.CopyTo(record, 7 + user.Length + receiver.Length);
        return record;
    }

    /// <summary>
    /// Decodes one request. Header fields are checked as soon as their bytes arrive, so a wrong magic
    /// number is reported after two bytes rather than after a gap timeout.
    /// </summary>
    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out MessageRequest frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = null!;
        consumed = input.Start;
        error = default;
        var header = new FixedHeader(input, stackalloc byte[MailboxWire.RequestHeaderSize]);
        if (!header.MagicIs(MailboxWire.Magic, out error))
        {
            return DecodeStatus.Invalid;
        }
        if (header.Has(3) && header[2] is not (MailboxWire.ReadId or MailboxWire.CreateId))
        {
            return FixedHeader.Fail(new DecodeError("ID", header[2].ToString(), "1 (read) or 2 (create)", "bad-id"), out error);
        }
        if (header.Has(4) && header[3] == 0)
        {
            return FixedHeader.Fail(new DecodeError("NameLen", "0", "at least 1", "bad-name-length"), out error);
        }
        var isRead = header.Has(3) && header[2] == MailboxWire.ReadId;
        if (header.Has(5) && isRead != (header[4] == 0))
        {
            return FixedHeader.Fail(new DecodeError("ReceiverLen", header[4].ToString(),
                isRead ? "0 for a read request" : "at least 1 for a create request", "bad-receiver-length"), out error);
        }
        if (!header.IsComplete)
        {
            return DecodeStatus.Incomplete;
        }
        var messageLen = header.U16(5);
        if (isRead != (messageLen == 0))
        {
            return FixedHeader.Fail(new DecodeError("MessageLen", messageLen.ToString(),
                isRead ? "0 for a read request" : "at least 1 for a create request", "bad-message-length"), out error);
        }

        int nameLen = header[3], receiverLength = header[4];
        long total = MailboxWire.RequestHeaderSize + nameLen + receiverLength + messageLen;
        if (input.Length < total)
        {
            return DecodeStatus.Incomplete;
        }

        var body = input.Slice(MailboxWire.RequestHeaderSize);
        if (!Utf8Text.TryDecodeField(body.Slice(0, nameLen), "UserName", out var user, out error)
            || !Utf8Text.TryDecodeField(body.Slice(nameLen, receiverLength), "ReceiverName", out var receiver, out error)
            || !Utf8Text.TryDecodeField(body.Slice(nameLen + receiverLength, messageLen), "Message", out var message, out error))
        {
            return DecodeStatus.Invalid;
        }
        frame = new MessageRequest((MessageRequestKind)header[2], user, receiver, message);
        consumed = input.GetPosition(total);
        return DecodeStatus.Complete;
    }

    private static void Check(bool ok, string field, int length, string expected)
    {
        if (!ok)
        {
            throw new ArgumentException($"{field} is {Utf8Text.Bytes(length)} in UTF-8, expected {expected}");
        }
    }
}
