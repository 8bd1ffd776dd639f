using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Switchboard.Tests.Shared;

/// <summary>Captures server log lines so tests can wait for "rejected: ..." events instead of sleeping.</summary>
public sealed class TestLogSink : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly SemaphoreSlim _added = new(0);

    public IReadOnlyCollection<string> Lines => _lines;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Waits until a line containing <paramref name="fragment"/> has been logged; returns it.</summary>
    public async Task<string> WaitForAsync(string fragment, TimeSpan? limit = null)
    {
        var end = DateTime.UtcNow + (limit ?? Deadline.Default);
        while (true)
        {
            var hit = _lines.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal));
            if (hit is not null)
            {
                return hit;
            }
            var left = end - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
            {
                throw new TimeoutException($"no log line containing '{fragment}'. Lines:\n{string.Join("\n", _lines)}");
            }
            await _added.WaitAsync(left).ConfigureAwait(false);
        }
    }

    public void Dispose() { }

    private sealed class Logger(TestLogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Debug;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            sink._lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : " | " + exception)}");
            sink._added.Release();
        }
    }
}
