namespace Switchboard.Transport.Observability;

/// <summary>How much a server logs: <c>--quiet</c> (warnings and errors), normal, or <c>--verbose</c> (debug detail).</summary>
public enum Verbosity
{
    Quiet,
    Normal,
    Verbose,
}
