using Microsoft.Extensions.Logging;

namespace Switchboard.Transport.Hosting;

/// <summary>
/// Logs connections refused at an endpoint's limit without flooding: the first few of each window
/// one line each, then a single summary line with the count ("refused 993 more connections to
/// mailbox in the last 5 s (limit 50)").
/// </summary>
internal sealed class RefusalLog : IDisposable
{
    private readonly string _service;
    private readonly long _limit;
    private readonly ILogger _logger;
    private readonly int _linesPerWindow;
    private readonly TimeSpan _window;
    private readonly Lock _gate = new();
    private readonly ITimer _flush;
    private int _loggedInWindow;
    private long _suppressed;
    private bool _windowOpen;

    public RefusalLog(string service, long limit, ILogger logger, int linesPerWindow, TimeSpan window, TimeProvider time)
    {
        _service = service;
        _limit = limit;
        _logger = logger;
        _linesPerWindow = linesPerWindow;
        _window = window;
        _flush = time.CreateTimer(_ => EndWindow(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Refused(string peer)
    {
        lock (_gate)
        {
            if (!_windowOpen)
            {
                _windowOpen = true;
                _flush.Change(_window, Timeout.InfiniteTimeSpan);
            }
            if (_loggedInWindow >= _linesPerWindow)
            {
                _suppressed++;
                return;
            }
            _loggedInWindow++;
        }
        _logger.LogWarning("refused {Peer}: {Service} is serving its limit of {Limit} {Connections}", peer, _service, _limit, _limit == 1 ? "connection" : "connections");
    }

    private void EndWindow()
    {
        long suppressed;
        lock (_gate)
        {
            suppressed = _suppressed;
            _suppressed = 0;
            _loggedInWindow = 0;
            _windowOpen = false;
        }
        if (suppressed > 0)
        {
            _logger.LogWarning("refused {Count} more {Connections} to {Service} in the last {Seconds:0.#} s (limit {Limit})",
                suppressed, suppressed == 1 ? "connection" : "connections", _service, _window.TotalSeconds, _limit);
        }
    }

    public void Dispose()
    {
        _flush.Dispose();
        EndWindow();
    }
}
