using System.Diagnostics;

namespace Switchboard.Transport.Timeouts;

/// <summary>
/// Enforces the gap rule and a whole-exchange deadline through one cancellation token.
/// Re-arm with <see cref="Restart"/> after every read or write that made progress; <see cref="Pause"/>
/// where idleness is allowed (between frames on a long-lived connection).
/// Once it has fired the token stays cancelled: a timed-out exchange ends the connection.
/// </summary>
/// <remarks>
/// <see cref="Restart"/> and <see cref="Pause"/> run around every read and write, so they only move a due time:
/// the underlying timer is scheduled when none is pending or when the new due time is earlier than the pending one,
/// and when it fires it checks the due time, cancels only if it has really passed, and otherwise schedules itself for
/// what is left. A busy connection therefore touches the runtime's timer queue about once per gap, not four times per
/// request (a <see cref="CancellationTokenSource.CancelAfter(TimeSpan)"/> per restart and per pause did that).
/// </remarks>
public sealed class GapTimer : IDisposable
{
    // _due while idleness is allowed: the timer, if it fires, finds nothing due and goes quiet.
    private const long Paused = long.MaxValue;

    private const double MaxTimerWait = 0xfffffffe;

    // Made on first use: a timer that is never armed or asked for its token (a reply timer on a connection that has
    // sent nothing, a frame's gap timer between frames) holds no token source, nor a registration on the outer token.
    private CancellationTokenSource? _source;
    private Timer? _timer;
    private bool _disposed;
    private readonly CancellationToken _outer;
    private readonly TimeSpan _gap;
    private readonly long _gapTicks;
    private long _deadline = long.MaxValue;
    private TimeSpan _deadlineLength;
    private bool _armedForDeadline;

    // Stopwatch timestamp at which the token is to fire, or Paused. Written by the owner, read by the timer callback.
    private long _due = Paused;

    // Stopwatch timestamp the pending timer fires at, or 0 when none is pending. Changed only under the timer's lock,
    // read without it on the owner's fast path.
    private long _firesAt;

    /// <param name="gap">Longest allowed stall of a single read or write.</param>
    /// <param name="outer">Cancels everything (shutdown, connection aborted); not reported as a timeout.</param>
    public GapTimer(TimeSpan gap, CancellationToken outer = default)
    {
        if (gap <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(gap), gap, "gap timeout must be positive");
        }
        _gap = gap;
        _gapTicks = ToTicks(gap);
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
        _deadline = Stopwatch.GetTimestamp() + ToTicks(length);
        Restart();
    }

    /// <summary>Removes the whole-exchange deadline (the gap rule still applies when armed).</summary>
    public void ClearDeadline() => _deadline = long.MaxValue;

    /// <summary>Progress was made: the next stall may last at most one gap (or until the deadline).</summary>
    public void Restart()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Source.IsCancellationRequested)
        {
            return;
        }
        var now = Stopwatch.GetTimestamp();
        var due = now + _gapTicks;
        _armedForDeadline = false;
        if (_deadline != long.MaxValue && _deadline <= due)
        {
            // Past the deadline already: fire at once (the next tick), as a deadline that has run out.
            due = Math.Max(_deadline, now + 1);
            _armedForDeadline = true;
        }
        // A full fence: the timer callback clears _firesAt and then reads _due, so one of the two sides sees the other.
        Interlocked.Exchange(ref _due, due);
        var firesAt = Volatile.Read(ref _firesAt);
        if (firesAt != 0 && firesAt <= due)
        {
            // A pending timer fires first; it will see the new due time and wait out the rest.
            return;
        }
        lock (Timer)
        {
            ScheduleLocked();
        }
    }

    /// <summary>Idle is allowed until the next <see cref="Restart"/>.</summary>
    public void Pause()
    {
        if (_source is { IsCancellationRequested: false })
        {
            Interlocked.Exchange(ref _due, Paused);
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
        if (_timer is { } timer)
        {
            lock (timer)
            {
                timer.Dispose();
                _firesAt = 0;
            }
        }
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

    private Timer Timer
    {
        get
        {
            if (_timer is null)
            {
                ObjectDisposedException.ThrowIf(_disposed, this);
                // No execution context flows into the callback: it only compares timestamps and cancels.
                using (ExecutionContext.SuppressFlow())
                {
                    _timer = new Timer(static state => ((GapTimer)state!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
                }
            }
            return _timer;
        }
    }

    // Under the timer's lock: makes sure the timer fires no later than _due (nothing to do while paused).
    private void ScheduleLocked()
    {
        var due = Volatile.Read(ref _due);
        if (due == Paused || _disposed)
        {
            return;
        }
        if (_firesAt != 0 && _firesAt <= due)
        {
            return;
        }
        var wait = due - Stopwatch.GetTimestamp();
        // Rounded up: firing a little early would only find the due time not yet reached and schedule again.
        // (Capped at the longest wait Timer takes; a longer gap just fires early once and waits again.)
        var milliseconds = wait <= 0 ? 0 : (long)Math.Min(Math.Ceiling(wait * 1000.0 / Stopwatch.Frequency), MaxTimerWait);
        _firesAt = due;
        _timer!.Change(milliseconds, Timeout.Infinite);
    }

    private void OnTimer()
    {
        var timer = _timer;
        if (timer is null)
        {
            return;
        }
        bool expired;
        lock (timer)
        {
            if (_disposed)
            {
                return;
            }
            Interlocked.Exchange(ref _firesAt, 0);
            var due = Volatile.Read(ref _due);
            expired = due != Paused && Stopwatch.GetTimestamp() >= due;
            if (!expired)
            {
                // Progress moved the due time on (or idleness is allowed): wait for what is left, if anything.
                ScheduleLocked();
            }
        }
        if (expired)
        {
            try
            {
                _source?.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // Disposed as it fired: the exchange is over anyway.
            }
        }
    }

    private static long ToTicks(TimeSpan t) =>
        t == Timeout.InfiniteTimeSpan || t >= TimeSpan.FromDays(365)
            ? long.MaxValue / 4
            : (long)(t.TotalSeconds * Stopwatch.Frequency);
}
