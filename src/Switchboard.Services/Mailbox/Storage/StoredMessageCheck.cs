using System.Text;
using System.Text.Unicode;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>
/// Whether a stored message can be put on the wire as a MessageResponse item: sender 1–255 bytes and
/// text 1–65,535 bytes of valid UTF-8. A read checks every claimed message before it writes the header,
/// so a row that cannot be encoded is set aside instead of breaking the response half-way.
/// </summary>
public static class StoredMessageCheck
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Why the raw stored bytes cannot be sent, or <c>null</c> when they can.</summary>
    public static string? Problem(ReadOnlySpan<byte> sender, ReadOnlySpan<byte> text) =>
        Lengths(sender.Length, text.Length)
        ?? (!Utf8.IsValid(sender) ? "sender is not valid UTF-8" : null)
        ?? (!Utf8.IsValid(text) ? "message text is not valid UTF-8" : null);

    /// <summary>Why <paramref name="message"/> cannot be sent, or <c>null</c> when it can.</summary>
    public static string? Problem(MailboxMessage message)
    {
        int senderBytes, textBytes;
        try
        {
            senderBytes = Strict.GetByteCount(message.Sender);
            textBytes = Strict.GetByteCount(message.Text);
        }
        catch (EncoderFallbackException)
        {
            return "sender or text holds a lone UTF-16 surrogate (not encodable as UTF-8)";
        }
        return Lengths(senderBytes, textBytes);
    }

    private static string? Lengths(int senderBytes, int textBytes) =>
        senderBytes is < 1 or > MailboxWire.MaxNameBytes ? $"sender is {Utf8Text.Bytes(senderBytes)}, expected 1-255"
        : textBytes is < 1 or > MailboxWire.MaxMessageBytes ? $"message text is {Utf8Text.Bytes(textBytes)}, expected 1-65535"
        : null;
}
