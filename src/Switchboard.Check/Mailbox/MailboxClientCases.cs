using Switchboard.Check.Core;

namespace Switchboard.Check.Mailbox;

internal static class MailboxClientCases
{
    public static IReadOnlyList<CheckCase> All { get; } = [];
}
