using System.CommandLine;
using System.Net;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Cli.Infrastructure;

/// <summary>The options every server command shares: where to listen, limits, and how much to log.</summary>
public sealed class ServerOptions
{
    private readonly Option<IPAddress?> _bind = CliArguments.Bind();
    private readonly Option<Duration> _gap = CliArguments.Seconds("--gap-timeout", 1, "fail a read or write that makes no progress for this long");
    private readonly Option<Duration> _request = CliArguments.Seconds("--request-timeout", 10, "fail a request not received in full within this long");
    private readonly Option<long> _maxConnections = CliArguments.Count("--max-connections", 10_000, 1, 1_000_000, "connections served at once");
    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "log only warnings and errors" };
    private readonly Option<bool> _verbose = new("--verbose", "-v") { Description = "log debug detail" };

    /// <summary>Adds the options to <paramref name="command"/>; <paramref name="withBind"/> is false where the handout fixes the address.</summary>
    public ServerOptions(Command command, bool withBind = true, bool withTimeouts = true)
    {
        if (withBind)
        {
            command.Options.Add(_bind);
        }
        if (withTimeouts)
        {
            command.Options.Add(_gap);
            command.Options.Add(_request);
        }
        command.Options.Add(_maxConnections);
        command.Options.Add(_quiet);
        command.Options.Add(_verbose);
        command.Validators.Add(r =>
        {
            if (r.GetValue(_quiet) && r.GetValue(_verbose))
            {
                r.AddError("--quiet and --verbose cannot be used together");
            }
        });
    }

    public IPAddress? Bind(ParseResult r) => r.GetValue(_bind);

    public TransportLimits Limits(ParseResult r) => new()
    {
        GapTimeout = r.GetValue(_gap),
        RequestTimeout = r.GetValue(_request),
    };

    public ServerHostOptions Host(ParseResult r) => new() { MaxConnections = r.GetValue(_maxConnections) };

    public Verbosity Verbosity(ParseResult r) =>
        r.GetValue(_quiet) ? Transport.Observability.Verbosity.Quiet
        : r.GetValue(_verbose) ? Transport.Observability.Verbosity.Verbose
        : Transport.Observability.Verbosity.Normal;
}
