namespace Switchboard.Check.Core;

/// <summary>What one case concluded about the implementation under test.</summary>
public enum Verdict
{
    Pass,
    Fail,

    /// <summary>The case could not be run in this configuration (e.g. the client command fixes its arguments); not a failure.</summary>
    Skip,
}

/// <summary>Whether a suite judges a running server or a client program the checker launches.</summary>
public enum CheckMode
{
    Server,
    Client,
}
