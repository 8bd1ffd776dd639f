using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Switchboard.Transport.Observability;

/// <summary>
/// <c>2026-11-22T10:15:02.123Z info  mailbox  accepted 127.0.0.1:53012</c>: UTC timestamp, level, short
/// category, message. Category names are service names, not CLR type names, so lines stay readable.
/// </summary>
public sealed class SwitchboardConsoleFormatter() : ConsoleFormatter(Name)
{
    public new const string Name = "switchboard";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }
        var category = logEntry.Category;
        var dot = category.LastIndexOf('.');
        if (dot >= 0 && category.StartsWith("Microsoft", StringComparison.Ordinal))
        {
            category = category[(dot + 1)..];
        }
        textWriter.Write(DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
        textWriter.Write(' ');
        textWriter.Write(logEntry.LogLevel switch
        {
            LogLevel.Trace => "trce ",
            LogLevel.Debug => "dbug ",
            LogLevel.Information => "info ",
            LogLevel.Warning => "warn ",
            LogLevel.Error => "fail ",
            LogLevel.Critical => "crit ",
            _ => "     ",
        });
        textWriter.Write(category);
        textWriter.Write("  ");
        textWriter.WriteLine(message);
        if (logEntry.Exception is not null)
        {
            textWriter.WriteLine(logEntry.Exception.ToString());
        }
    }
}
