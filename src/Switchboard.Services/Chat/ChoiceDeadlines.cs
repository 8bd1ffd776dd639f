using System.Diagnostics;

namespace Switchboard.Services.Chat;

/// <summary>
/// The choosing deadline (username or pairing) of every connection still choosing, on one timer for the whole room
/// instead of a timer and a linked token source per connection. Every deadline has the same length, so they fall due
/// in the order they were started: a queue, and one timer armed for the earliest.
/// </summary>
internal sealed class ChoiceDeadlines : IDisposable
{
    private readonly Lock _lock = new();
    private readonly Queue<(ChatMember Member, int Attempt, long Due)> _due = new();
    private readonly TimeSpan _length;
    private readonly long _lengthTicks;
    private readonly ITimer _timer;
    private bool _armed;
    private bool _disposed;

    public ChoiceDeadlines(TimeSpan length, TimeProvider? time = null)
    {
        _length = length;
        _lengthTicks = (long)(length.TotalSeconds * Stopwatch.Frequency);
        _timer = (time ?? TimeProvider.System).CreateTimer(static d => ((ChoiceDeadlines)d!).Fire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Starts <paramref name="member"/>'s deadline for its choosing attempt <paramref name="attempt"/>, counted from now.</summary>
    public void Start(ChatMember member, int attempt)
    {
        var due = Stopwatch.GetTimestamp() + _lengthTicks;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _due.Enqueue((member, attempt, due));
            if (!_armed)
            {
                _armed = true;
                _timer.Change(_length, Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Fire()
    {
        List<(ChatMember Member, int Attempt)>? expired = null;
        lock (_lock)
        {
            _armed = false;
            var now = Stopwatch.GetTimestamp();
            while (_due.TryPeek(out var head) && head.Due <= now)
            {
                _due.Dequeue();
                (expired ??= []).Add((head.Member, head.Attempt));
            }
            if (!_disposed && _due.TryPeek(out var next))
            {
                _armed = true;
                // Stopwatch ticks to a TimeSpan; at least a millisecond so a deadline a hair away does not spin.
                var wait = Stopwatch.GetElapsedTime(now, next.Due);
                _timer.Change(wait < TimeSpan.FromMilliseconds(1) ? TimeSpan.FromMilliseconds(1) : wait, Timeout.InfiniteTimeSpan);
            }
        }
        // Outside the lock: expiring cancels the member's read, whose continuation may run here.
        foreach (var (member, attempt) in expired ?? [])
        {
            member.ExpireChoice(attempt);
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _due.Clear();
        }
        _timer.Dispose();
    }
}
