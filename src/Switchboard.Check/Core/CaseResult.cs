namespace Switchboard.Check.Core;

/// <summary>One case's verdict and a one-line reason (what was expected and what came back, hex where bytes matter).</summary>
public sealed record CaseResult(Verdict Verdict, string Reason)
{
    public static CaseResult Pass(string reason = "") => new(Verdict.Pass, reason);

    public static CaseResult Fail(string reason) => new(Verdict.Fail, reason);

    public static CaseResult Skip(string reason) => new(Verdict.Skip, reason);
}

/// <summary>
/// Thrown inside a case to end it with a failure from deep in a helper (e.g. "connection refused while
/// checking the server still serves"); the runner turns it into <see cref="Verdict.Fail"/> with this message.
/// </summary>
public sealed class CheckFailedException(string message) : Exception(message);
