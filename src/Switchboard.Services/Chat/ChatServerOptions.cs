using System.Net;
using Switchboard.Transport.Outgoing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Chat;

/// <summary>Where a chat server listens and the bounds it enforces (SPEC.md §chat; docs/chat-protocol.md).</summary>
public sealed record ChatServerOptions
{
    public const int DefaultMaxParticipants = 255;
    public const int DefaultMaxObservers = 255;
    public const int DefaultRateBurst = 20;
    public const double DefaultRatePerSecond = 10;

    /// <summary>Address to bind; null for all interfaces.</summary>
    public IPAddress? Bind { get; init; }

    /// <summary>Participants' port; 0 lets the OS choose (tests).</summary>
    public int Port { get; init; }

    /// <summary>Observers' port; null means <see cref="Port"/> + 1 (or OS-chosen when <see cref="Port"/> is 0).</summary>
    public int? ObserverPort { get; init; }

    /// <summary>Participants connected at once (negotiating or active); the next is sent <c>full</c> and closed.</summary>
    public int MaxParticipants { get; init; } = DefaultMaxParticipants;

    /// <summary>Observers connected at once (pairing or paired); the next is sent <c>full</c> and closed.</summary>
    public int MaxObservers { get; init; } = DefaultMaxObservers;

    /// <summary>Time to choose a username (or, for an observer, to pair), restarted after each refused try.</summary>
    public TimeSpan UsernameTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Failed pairing attempts an observer connection gets before it is closed.</summary>
    public int MaxPairingAttempts { get; init; } = 3;

    /// <summary>Messages a participant may send at once before the per-second rate applies; 0 disables the limit.</summary>
    public int RateBurst { get; init; } = DefaultRateBurst;

    /// <summary>Messages per second a participant may send, sustained.</summary>
    public double RatePerSecond { get; init; } = DefaultRatePerSecond;

    /// <summary>
    /// Time limits. Only the gap applies: once a frame has begun, its next bytes must come within it (silence between
    /// frames is unlimited: people chat at their own pace). 30 s by default, for handout clients that <c>recv(2)</c>.
    /// </summary>
    public TransportLimits Limits { get; init; } = DefaultLimits;

    public static readonly TransportLimits DefaultLimits = new() { GapTimeout = TimeSpan.FromSeconds(30) };

    /// <summary>Each client's outgoing queue: over its byte bound the client is disconnected as a slow reader.</summary>
    public OutgoingQueueOptions Queue { get; init; } = new() { MaxQueuedBytes = 1024 * 1024, StallTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>How long shutdown waits for the goodbye notice to reach each client before closing.</summary>
    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>The observer port these options mean: explicit, or participants' port + 1, or 0 with port 0.</summary>
    public int EffectiveObserverPort => ObserverPort ?? (Port == 0 ? 0 : Port + 1);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the field when a value is unusable.</summary>
    public ChatServerOptions Validated()
    {
        Check(Port is >= 0 and <= 65535, nameof(Port), Port, "a port 0-65535");
        Check(EffectiveObserverPort is >= 0 and <= 65535, nameof(ObserverPort), EffectiveObserverPort, "a port 0-65535");
        Check(Port == 0 || EffectiveObserverPort != Port, nameof(ObserverPort), EffectiveObserverPort, "a port other than the participants' port");
        Check(MaxParticipants >= 1, nameof(MaxParticipants), MaxParticipants, "at least 1");
        Check(MaxObservers >= 0, nameof(MaxObservers), MaxObservers, "0 or more");
        Check(UsernameTimeout > TimeSpan.Zero, nameof(UsernameTimeout), UsernameTimeout, "positive");
        Check(MaxPairingAttempts >= 1, nameof(MaxPairingAttempts), MaxPairingAttempts, "at least 1");
        Check(RateBurst >= 0, nameof(RateBurst), RateBurst, "0 (no limit) or more");
        Check(RateBurst == 0 || (RatePerSecond > 0 && RatePerSecond <= 1_000_000), nameof(RatePerSecond), RatePerSecond, "above 0 and at most 1000000");
        Limits.Validated();
        Queue.Validated();
        return this;
    }

    private static void Check(bool ok, string field, object value, string expected)
    {
        if (!ok)
        {
            throw new ArgumentOutOfRangeException(field, value, $"{field} must be {expected}, got {value}");
        }
    }
}
