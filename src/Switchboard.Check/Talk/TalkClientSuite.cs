using Switchboard.Check.Core;

namespace Switchboard.Check.Talk;

/// <summary><c>switchboard check talk client -- COMMAND</c>: handout 003's client program, see docs/check.md.</summary>
public sealed class TalkClientSuite : ICheckSuite
{
    public string Service => "talk";

    public CheckMode Mode => CheckMode.Client;

    public IReadOnlyList<CheckCase> Cases { get; } = TalkClientCases.All;
}
