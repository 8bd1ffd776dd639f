using Switchboard.Protocol;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>The store could not be opened or an operation on it failed; the message says which and why.</summary>
public sealed class MailboxStoreException(string message, Exception? inner = null) : SwitchboardException(message, inner)
{
    public override string Reason => "store-failed";
}
