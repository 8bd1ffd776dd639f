using Switchboard.Check.Core;

namespace Switchboard.Check.Mailbox;

/// <summary><c>switchboard check mailbox client -- COMMAND</c>: handout 000 §3.2 and §3.3.2 asked of a client program.</summary>
public sealed class MailboxClientSuite : ICheckSuite
{
    public string Service => "mailbox";

    public CheckMode Mode => CheckMode.Client;

    public IReadOnlyList<CheckCase> Cases { get; } = MailboxClientCases.All;
}
