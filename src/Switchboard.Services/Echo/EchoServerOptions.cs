using Switchboard.Protocol.Echo;

namespace Switchboard.Services.Echo;

/// <summary>Bounds for a <see cref="BufferedServer"/>. The defaults suit <c>switchboard echo server</c> and <c>switchboard up</c>.</summary>
public sealed record EchoServerOptions
{
    /// <summary>Largest message accepted; a longer payload_length closes that connection before its payload is read.</summary>
    public int MaxPayloadBytes { get; init; } = EchoWire.DefaultMaxPayloadBytes;

    /// <summary>Connections served at once; one more is accepted, logged as "server full" and closed.</summary>
    public int MaxConnections { get; init; } = 1024;

    /// <summary>
    /// Once a message has begun to arrive, the rest must keep coming, and a reply must keep leaving, with
    /// no stall longer than this (the project's gap rule). Idle time between messages is not limited.
    /// </summary>
    public TimeSpan GapTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>After a stop, how long a reply already being written may take to finish before its connection is closed.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Pending connections the OS queues before they are accepted.</summary>
    public int Backlog { get; init; } = 512;

    public static EchoServerOptions Default { get; } = new();

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field and value when a bound is unusable.</summary>
    public EchoServerOptions Validated()
    {
        if (MaxPayloadBytes < 0 || MaxPayloadBytes > EchoWire.MaxConfigurablePayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPayloadBytes), MaxPayloadBytes, $"MaxPayloadBytes must be 0-{EchoWire.MaxConfigurablePayloadBytes}, got {MaxPayloadBytes}");
        }
        if (MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, $"MaxConnections must be at least 1, got {MaxConnections}");
        }
        if (GapTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(GapTimeout), GapTimeout, $"GapTimeout must be positive, got {GapTimeout.TotalSeconds} s");
        }
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
}
