using Switchboard.Check.Core;

namespace Switchboard.Check.Echo;

/// <summary><c>switchboard check echo server HOST PORT</c> (or <c>-- COMMAND</c>): handout 001's server, see docs/check.md.</summary>
public sealed class EchoServerSuite : ICheckSuite
{
    public string Service => "echo";

    public CheckMode Mode => CheckMode.Server;

    public IReadOnlyList<CheckCase> Cases { get; } = EchoServerCases.All;
}
