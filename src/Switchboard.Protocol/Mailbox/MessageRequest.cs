namespace Switchboard.Protocol.Mailbox;

/// <summary>The two request types of handout 000 (the record's ID field).</summary>
public enum MessageRequestKind : byte
{
    Read = MailboxWire.ReadId,
    Create = MailboxWire.CreateId,
}

/// <summary>
/// A MessageRequest: <see cref="User"/> reads their messages, or sends <see cref="Message"/> to
/// <see cref="Receiver"/>. For reads, <see cref="Receiver"/> and <see cref="Message"/> are empty.
/// </summary>
public sealed record MessageRequest(MessageRequestKind Kind, string User, string Receiver, string Message)
{
    public static MessageRequest Read(string user) => new(MessageRequestKind.Read, user, string.Empty, string.Empty);

    public static MessageRequest Create(string sender, string receiver, string message) =>
        new(MessageRequestKind.Create, sender, receiver, message);
}

/// <summary>One stored message as it travels in a MessageResponse.</summary>
public sealed record MailboxMessage(string Sender, string Text);
