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
    private readonly Option<Duration> _gap;
    private readonly Option<Duration>? _request;
    private readonly Option<Duration>? _idle;
    private readonly Option<Duration> _shutdown = LimitOptions.ShutdownTimeout();
    private readonly Option<long> _maxConnections;
    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "log only warnings and errors" };
    private readonly Option<bool> _verbose = new("--verbose", "-v") { Description = "log debug detail" };

    /// <summary>Adds the options to <paramref name="command"/>.</summary>
    /// <param name="withBind">False where the handout fixes the address.</param>
    /// <param name="withRequestTimeout">False where there are no requests to time (talk: a person is typing).</param>
    /// <param name="withIdleTimeout">True for long-lived connections that may sit idle between requests (echo).</param>
    /// <param name="gapSeconds">The default gap; 1 s as the handouts say, unless the service says otherwise.</param>
    /// <param name="maxConnections">The default connection limit of each endpoint.</param>
    public ServerOptions(Command command, bool withBind = true, bool withRequestTimeout = true, bool withIdleTimeout = false, double gapSeconds = 1, long maxConnections = 10_000)
    {
        _gap = LimitOptions.GapTimeout(gapSeconds);
        _maxConnections = LimitOptions.MaxConnections(maxConnections);
        if (withBind)
        {
            command.Options.Add(_bind);
        }
        command.Options.Add(_gap);
        if (withRequestTimeout)
        {
            _request = LimitOptions.RequestTimeout();
            command.Options.Add(_request);
        }
        if (withIdleTimeout)
        {
            _idle = LimitOptions.IdleTimeout();
            command.Options.Add(_idle);
        }
        command.Options.Add(_maxConnections);
        command.Options.Add(_shutdown);
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

    /// <summary>The time limits given (defaults for those this command does not take).</summary>
    public TransportLimits Limits(ParseResult r) => new TransportLimits
    {
        GapTimeout = r.GetValue(_gap),
        RequestTimeout = _request is null ? TransportLimits.Default.RequestTimeout : r.GetValue(_request),
        IdleTimeout = _idle is null ? TransportLimits.Default.IdleTimeout : r.GetValue(_idle),
    }.Validated();

    public ServerHostOptions Host(ParseResult r) => new()
    {
        MaxConnections = r.GetValue(_maxConnections),
        ShutdownTimeout = r.GetValue(_shutdown),
    };

    public Verbosity Verbosity(ParseResult r) =>
        r.GetValue(_quiet) ? Transport.Observability.Verbosity.Quiet
        : r.GetValue(_verbose) ? Transport.Observability.Verbosity.Verbose
        : Transport.Observability.Verbosity.Normal;
}
