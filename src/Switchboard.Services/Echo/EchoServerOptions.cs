using Switchboard.Protocol.Echo;

namespace Switchboard.Services.Echo;

/// <summary>Bounds for an echo server (<see cref="EchoConnectionHandler"/>, and <see cref="BufferedServer"/> around it). The defaults suit <c>switchboard echo server</c> and <c>switchboard up</c>.</summary>
public sealed record EchoServerOptions
{
    /// <summary>Default <see cref="MaxBufferedBytes"/>: 64 MiB, four maximum-size messages in flight at once.</summary>
    public const long DefaultMaxBufferedBytes = 64L * 1024 * 1024;

    /// <summary>Largest message accepted; a longer payload_length closes that connection before its payload is read.</summary>
    public int MaxPayloadBytes { get; init; } = EchoWire.DefaultMaxPayloadBytes;

    /// <summary>
    /// Bytes the server may hold at once, across all its connections, for large messages still arriving (those
    /// streamed out of the transport's buffer: over 64 KiB). Each reserves its announced length when its prefix
    /// arrives; one that does not fit is refused and its connection closed (logged, reason <c>memory-budget</c>).
    /// Smaller messages are held in each connection's transport buffer, which Kestrel bounds per connection.
    /// </summary>
    public long MaxBufferedBytes { get; init; } = DefaultMaxBufferedBytes;

    /// <summary>Connections served at once (<see cref="BufferedServer"/>; in a shared host the host's limit applies).</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>
    /// Once a message has begun to arrive, the rest must keep coming, and a reply must keep leaving, with
    /// no stall longer than this (the project's gap rule).
    /// </summary>
    public TimeSpan GapTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>A whole message must arrive within this, counted from its first byte, however steadily it trickles.</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest silence allowed between messages; a connection idle longer is closed (logged, reason <c>idle-timeout</c>).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>After a stop, how long a reply already being written may take to finish before its connection is closed (<see cref="BufferedServer"/>).</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Pending connections the OS queues before they are accepted (<see cref="BufferedServer"/>).</summary>
    public int Backlog { get; init; } = 512;

    public static EchoServerOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field and value when a bound is unusable.</summary>
    public EchoServerOptions Validated()
    {
        if (MaxPayloadBytes < 0 || MaxPayloadBytes > EchoWire.MaxConfigurablePayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPayloadBytes), MaxPayloadBytes, $"MaxPayloadBytes must be 0-{EchoWire.MaxConfigurablePayloadBytes}, got {MaxPayloadBytes}");
        }
        if (MaxBufferedBytes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxBufferedBytes), MaxBufferedBytes, $"MaxBufferedBytes must be at least 1, got {MaxBufferedBytes}");
        }
        if (MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, $"MaxConnections must be at least 1, got {MaxConnections}");
        }
        Positive(GapTimeout, nameof(GapTimeout));
        Positive(RequestTimeout, nameof(RequestTimeout));
        Positive(IdleTimeout, nameof(IdleTimeout));
        if (StopTimeout < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(StopTimeout), StopTimeout, $"StopTimeout must not be negative, got {StopTimeout.TotalSeconds} s");
        }
        if (Backlog < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Backlog), Backlog, $"Backlog must be at least 1, got {Backlog}");
        }
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
