using Switchboard.Check.Core;

namespace Switchboard.Check.Files;

/// <summary>
/// <c>switchboard check files server HOST PORT</c> or <c>... files server -- COMMAND</c> (launch mode, the server runs
/// in a folder of known files): handout 004's server rules, see docs/check.md.
/// </summary>
public sealed class FilesServerSuite : ICheckSuite
{
    public string Service => "files";

    public CheckMode Mode => CheckMode.Server;

    public IReadOnlyList<CheckCase> Cases { get; } = FilesServerCases.All;
}
