using Switchboard.Protocol;

namespace Switchboard.Services.Mailbox;

/// <summary>The user's input ended before the client had what it needed.</summary>
public sealed class MailboxInputException(string message) : SwitchboardException(message)
{
    public override string Reason => "input-ended";
}
