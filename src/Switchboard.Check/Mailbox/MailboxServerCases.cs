using Switchboard.Check.Core;

namespace Switchboard.Check.Mailbox;

internal static class MailboxServerCases
{
    public static IReadOnlyList<CheckCase> All { get; } = [];
}
