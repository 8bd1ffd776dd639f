namespace Switchboard.Transport.Timeouts;

/// <summary>
/// The time limits of a connection, for every service and both ends: the one record the CLI fills from
/// <c>--gap-timeout</c>, <c>--request-timeout</c> and <c>--idle-timeout</c>, validated here and nowhere else.
/// </summary>
public sealed record TransportLimits
{
    /// <summary>The handouts' gap rule: a read or write that makes no progress for this long fails.</summary>
    public TimeSpan GapTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Upper bound for receiving one whole request, however steadily it trickles in: without it a peer
    /// sending one byte every 0.9 s would satisfy the gap rule and hold a connection indefinitely.
    /// </summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Longest silence allowed between requests on a long-lived connection (echo); a connection that starts
    /// nothing for this long is closed. Services with one request per connection use <see cref="RequestTimeout"/>.
    /// </summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to try each resolved address when connecting.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public static TransportLimits Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field when a limit is not positive.</summary>
    public TransportLimits Validated()
    {
        Positive(GapTimeout, nameof(GapTimeout));
        Positive(RequestTimeout, nameof(RequestTimeout));
        Positive(IdleTimeout, nameof(IdleTimeout));
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        return this;
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive, got {value.TotalSeconds} s");
        }
    }
}
