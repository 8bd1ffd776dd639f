using System.Diagnostics;

namespace Switchboard.Transport.Timeouts;

/// <summary>
/// Enforces the gap rule and a whole-exchange deadline through one cancellation token.
/// Re-arm with <see cref="Restart"/> after every read or write that made progress; <see cref="Pause"/>
/// where idleness is allowed (between frames on a long-lived connection).
/// Once it has fired the token stays cancelled: a timed-out exchange ends the connection.
/// </summary>
public sealed class GapTimer : IDisposable
{
    // Made on first use: a timer that is never armed or asked for its token (a reply timer on a connection that has
    // sent nothing, a frame's gap timer between frames) holds no token source, nor a registration on the outer token.
    private CancellationTokenSource? _source;
    private bool _disposed;
    private readonly CancellationToken _outer;
    private readonly TimeSpan _gap;
    private long _deadline = long.MaxValue;
    private TimeSpan _deadlineLength;
    private bool _armedForDeadline;

    /// <param name="gap">Longest allowed stall of a single read or write.</param>
    /// <param name="outer">Cancels everything (shutdown, connection aborted); not reported as a timeout.</param>
    public GapTimer(TimeSpan gap, CancellationToken outer = default)
    {
        if (gap <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(gap), gap, "gap timeout must be positive");
        }
        _gap = gap;
        _outer = outer;
    }

    /// <summary>Pass to every read and write of the exchange.</summary>
    public CancellationToken Token => Source.Token;

    /// <summary>The gap this timer enforces.</summary>
    public TimeSpan Gap => _gap;

    /// <summary>True when the token fired because of a timeout rather than the outer token.</summary>
    public bool HasExpired => _source is { IsCancellationRequested: true } && !_outer.IsCancellationRequested;

    /// <summary>Starts a deadline for the whole exchange, counted from now, and arms the gap.</summary>
    public void StartDeadline(TimeSpan length)
    {
        _deadlineLength = length;
        _deadline = Stopwatch.GetTimestamp() + (long)(length.TotalSeconds * Stopwatch.Frequency);
        Restart();
    }

    /// <summary>Removes the whole-exchange deadline (the gap rule still applies when armed).</summary>
    public void ClearDeadline() => _deadline = long.MaxValue;

    /// <summary>Progress was made: the next stall may last at most one gap (or until the deadline).</summary>
    public void Restart()
    {
        if (Source.IsCancellationRequested)
        {
            return;
        }
        var wait = _gap;
        _armedForDeadline = false;
        if (_deadline != long.MaxValue)
        {
            // GetElapsedTime(now, deadline) is the time left; past the deadline it is negative.
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _deadline);
            if (remaining <= TimeSpan.Zero)
            {
                remaining = TimeSpan.FromMilliseconds(1);
            }
            if (remaining < wait)
            {
                wait = remaining;
                _armedForDeadline = true;
            }
        }
        Source.CancelAfter(wait);
    }

    /// <summary>Idle is allowed until the next <see cref="Restart"/>.</summary>
    public void Pause()
    {
        if (_source is { IsCancellationRequested: false } source)
        {
            source.CancelAfter(Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The exception describing why the timer fired, for <paramref name="activity"/> (e.g. "reading MessageRequest").</summary>
    public PeerTimeoutException Expired(string activity) => _armedForDeadline
        ? new PeerTimeoutException($"{activity}: not complete within {Seconds(_deadlineLength)} s", "request-timeout")
        : new PeerTimeoutException($"{activity}: no progress for {Seconds(_gap)} s (gap rule)", "gap-timeout");

    private static string Seconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _disposed = true;
        _source?.Dispose();
    }

    private CancellationTokenSource Source
    {
        get
        {
            if (_source is null)
            {
                // As before, when the source was made with the timer: a disposed timer has no token to give.
                ObjectDisposedException.ThrowIf(_disposed, this);
                _source = CancellationTokenSource.CreateLinkedTokenSource(_outer);
            }
            return _source;
        }
    }
}
