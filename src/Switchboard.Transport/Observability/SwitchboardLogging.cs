using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Switchboard.Transport.Observability;

/// <summary>Console logging for servers: one timestamped line per event, all on stderr (stdout is for data).</summary>
public static class SwitchboardLogging
{
    public static ILoggingBuilder AddSwitchboardConsole(this ILoggingBuilder logging, Verbosity verbosity)
    {
        logging.ClearProviders();
        logging.AddConsole(o =>
        {
            o.FormatterName = SwitchboardConsoleFormatter.Name;
            o.LogToStandardErrorThreshold = LogLevel.Trace;
        });
        logging.AddConsoleFormatter<SwitchboardConsoleFormatter, ConsoleFormatterOptions>();
        logging.SetMinimumLevel(verbosity switch
        {
            Verbosity.Quiet => LogLevel.Warning,
            Verbosity.Verbose => LogLevel.Debug,
            _ => LogLevel.Information,
        });
        // Kestrel and the host narrate their own lifecycle; only their problems are ours to show.
        logging.AddFilter("Microsoft", verbosity == Verbosity.Verbose ? LogLevel.Information : LogLevel.Warning);
        // The web host's start-up lines ("Now listening on: http://...", "Hosting environment", "Content root
        // path") describe an HTTP application that does not exist here; our own lines say what listens where.
        logging.AddFilter("Microsoft.Hosting.Lifetime", LogLevel.Warning);
        if (verbosity != Verbosity.Verbose)
        {
            // A failed start is reported once, as "error: cannot listen ...", by the caller; the host's
            // own report of it is a stack trace.
            logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        }
        return logging;
    }
}
