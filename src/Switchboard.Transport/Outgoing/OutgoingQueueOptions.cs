namespace Switchboard.Transport.Outgoing;

/// <summary>Bounds of one connection's <see cref="OutgoingQueue"/>.</summary>
public sealed record OutgoingQueueOptions
{
    /// <summary>
    /// Most bytes waiting to be written to one peer. A frame that would go past it is refused (the caller then
    /// disconnects that peer), so one peer that stops reading holds at most this much memory and never slows
    /// anyone else. One frame larger than the bound is always refused.
    /// </summary>
    public long MaxQueuedBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Longest a single flush may make no progress before the connection is declared stalled and fails
    /// (a peer whose receive window stays shut). The byte bound usually fires first under load; this catches
    /// a peer that stalls on a trickle.
    /// </summary>
    public TimeSpan StallTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public static OutgoingQueueOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field when a bound is unusable.</summary>
    public OutgoingQueueOptions Validated()
    {
        if (MaxQueuedBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxQueuedBytes), MaxQueuedBytes, $"MaxQueuedBytes must be at least 1, got {MaxQueuedBytes}");
        }
        if (StallTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StallTimeout), StallTimeout, $"StallTimeout must be positive, got {StallTimeout.TotalSeconds} s");
        }
        return this;
    }
}
