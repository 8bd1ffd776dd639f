using Microsoft.Extensions.Logging;

namespace Switchboard.Services.Echo;

/// <summary>
/// Sends a host's log lines to one <see cref="ILogger"/> the caller supplied (the handout-style constructors take a
/// logger, not a logging setup): everything from the service's own category, and warnings and errors from the
/// hosting machinery (e.g. connections refused at the limit).
/// </summary>
internal sealed class ForwardingLoggerProvider(ILogger target) : ILoggerProvider
{
    public static void AddTo(ILoggingBuilder logging, ILogger target, string serviceCategory)
    {
        logging.AddProvider(new ForwardingLoggerProvider(target));
        logging.SetMinimumLevel(LogLevel.Trace);
        logging.AddFilter<ForwardingLoggerProvider>((category, level) => category == serviceCategory || level >= LogLevel.Warning);
    }

    public ILogger CreateLogger(string categoryName) => target;

    public void Dispose()
    {
    }
}
