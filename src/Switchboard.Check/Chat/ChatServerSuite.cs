using Switchboard.Check.Core;

namespace Switchboard.Check.Chat;

/// <summary>
/// <c>switchboard check chat server HOST PORT</c> (or <c>-- COMMAND</c>): handout 002's server, see docs/check.md.
/// <paramref name="usernameTimeout"/> is the username timer the server is expected to keep: the handout's 60 s, or
/// a shorter one for a server configured so (tests).
/// </summary>
public sealed class ChatServerSuite(TimeSpan usernameTimeout) : ICheckSuite
{
    public ChatServerSuite()
        : this(ChatServerCases.HandoutUsernameTimeout)
    {
    }

    public string Service => "chat";

    public CheckMode Mode => CheckMode.Server;

    public IReadOnlyList<CheckCase> Cases { get; } = new ChatServerCases(usernameTimeout).All;
}
