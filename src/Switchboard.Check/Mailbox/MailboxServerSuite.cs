using Switchboard.Check.Core;

namespace Switchboard.Check.Mailbox;

/// <summary><c>switchboard check mailbox server HOST PORT</c>: handout 000 §3.1 and §3.3 asked of a running server.</summary>
public sealed class MailboxServerSuite : ICheckSuite
{
    public string Service => "mailbox";

    public CheckMode Mode => CheckMode.Server;

    public IReadOnlyList<CheckCase> Cases { get; } = MailboxServerCases.All;
}
