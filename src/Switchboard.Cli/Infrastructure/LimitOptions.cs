using System.CommandLine;

namespace Switchboard.Cli.Infrastructure;

/// <summary>
/// Each limit option declared once, with one name, one description and one parser, for every command that
/// takes it; the values land in <see cref="Transport.Timeouts.TransportLimits"/> or
/// <see cref="Transport.Hosting.ServerHostOptions"/>, which validate them.
/// </summary>
public static class LimitOptions
{
    /// <summary>The handouts' gap rule. Talk passes 10 s: a person's line may leave a slow terminal in pieces.</summary>
    public static Option<Duration> GapTimeout(double defaultSeconds = 1) =>
        CliArguments.Seconds("--gap-timeout", defaultSeconds, "fail a read or write that makes no progress for this long (the gap rule)");

    public static Option<Duration> RequestTimeout() =>
        CliArguments.Seconds("--request-timeout", 10, "fail a request not received in full within this long");

    public static Option<Duration> IdleTimeout() =>
        CliArguments.Seconds("--idle-timeout", 60, "close a connection that starts no request for this long");

    public static Option<Duration> ShutdownTimeout() =>
        CliArguments.Seconds("--shutdown-timeout", 5, "on Ctrl+C or SIGTERM, how long open exchanges may take to finish before they are closed");

    public static Option<long> MaxConnections(long defaultValue = 10_000) =>
        CliArguments.Count("--max-connections", defaultValue, 1, 1_000_000, "connections each server serves at once; more are refused");
}
