namespace Switchboard.Cli.Infrastructure;

/// <summary>The exit codes SPEC.md fixes for every command.</summary>
public static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Any runtime failure: resolution, connection, timeout, malformed record, file problem.</summary>
    public const int Failure = 1;

    /// <summary>The command line itself is wrong.</summary>
    public const int Usage = 2;
}
