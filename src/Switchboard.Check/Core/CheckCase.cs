namespace Switchboard.Check.Core;

/// <summary>
/// One conformance case. <paramref name="Id"/> is stable kebab-case, e.g. <c>mailbox.server.bad-magic</c>: it is what
/// <c>--only</c> and <c>--skip</c> take and what reports name. <paramref name="TimeoutFactor"/> scales the per-case
/// timeout for cases that legitimately do many exchanges (e.g. 300 creates).
/// </summary>
public sealed record CheckCase(string Id, string Title, Func<CaseContext, CancellationToken, Task<CaseResult>> Run, double TimeoutFactor = 1);

/// <summary>A set of cases for one service in one mode. Every suite is listed once in <see cref="CheckSuites"/>.</summary>
public interface ICheckSuite
{
    /// <summary>The service name as typed on the command line: <c>mailbox</c>, <c>files</c>, <c>echo</c>, <c>talk</c>, <c>chat</c>.</summary>
    string Service { get; }

    CheckMode Mode { get; }

    IReadOnlyList<CheckCase> Cases { get; }
}
