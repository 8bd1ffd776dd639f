using Switchboard.Check.Core;

namespace Switchboard.Check.Talk;

/// <summary><c>switchboard check talk server -- COMMAND</c> (launch mode; HOST PORT runs one case): handout 003's server, see docs/check.md.</summary>
public sealed class TalkServerSuite : ICheckSuite
{
    public string Service => "talk";

    public CheckMode Mode => CheckMode.Server;

    public IReadOnlyList<CheckCase> Cases { get; } = TalkServerCases.All;
}
