using Switchboard.Check.Core;

namespace Switchboard.Check.Files;

/// <summary><c>switchboard check files client -- COMMAND</c>: handout 004's client program, see docs/check.md.</summary>
public sealed class FilesClientSuite : ICheckSuite
{
    public string Service => "files";

    public CheckMode Mode => CheckMode.Client;

    public IReadOnlyList<CheckCase> Cases { get; } = FilesClientCases.All;
}
