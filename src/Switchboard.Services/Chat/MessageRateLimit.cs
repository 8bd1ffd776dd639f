using System.Diagnostics;

namespace Switchboard.Services.Chat;

/// <summary>
/// A participant's token bucket: up to <c>burst</c> messages at once, then one more every 1/<c>perSecond</c> seconds.
/// Tokens are counted from the clock when a message arrives, so a participant costs no timer (a
/// <c>TokenBucketRateLimiter</c> with auto-replenishment runs one per connection, even while it is idle).
/// Used by one connection's read loop only, so it needs no lock.
/// </summary>
internal sealed class MessageRateLimit
{
    private readonly int _burst;
    private readonly long _ticksPerToken;
    private int _tokens;
    private long _countedUntil;

    public MessageRateLimit(int burst, double perSecond)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(burst, 1);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(perSecond);
        _burst = burst;
        _ticksPerToken = Math.Max(1, (long)(Stopwatch.Frequency / perSecond));
        _tokens = burst;
        _countedUntil = Stopwatch.GetTimestamp();
    }

    /// <summary>Takes one token if there is one; false means the message is over the limit.</summary>
    public bool TryTake() => TryTake(Stopwatch.GetTimestamp());

    /// <summary><see cref="TryTake()"/> at a given <see cref="Stopwatch"/> timestamp (tests drive the clock).</summary>
    internal bool TryTake(long now)
    {
        // Whole periods since the last count each earn a token, as the ticks of a replenishing timer would (the phase is
        // kept, so a partial period is not lost); a full bucket lets them go.
        var earned = (now - _countedUntil) / _ticksPerToken;
        if (earned > 0)
        {
            _tokens = (int)Math.Min(_burst, _tokens + earned);
            _countedUntil += earned * _ticksPerToken;
        }
        if (_tokens == 0)
        {
            return false;
        }
        _tokens--;
        return true;
    }
}
