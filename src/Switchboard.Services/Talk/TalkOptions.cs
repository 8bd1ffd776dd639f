using System.Net;
using Switchboard.Protocol.Talk;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Talk;

/// <summary>Settings shared by both ends of a conversation.</summary>
public abstract record TalkOptions
{
    /// <summary>Most UTF-8 bytes in one line, without its line ending; longer lines are refused, in and out.</summary>
    public int MaxLineBytes { get; init; } = TalkWire.DefaultMaxLineBytes;

    /// <summary>
    /// Time limits. Only the gap applies: once a line has started to arrive, or while one is being sent, a stall
    /// this long ends the conversation. Waiting for the other person to type is not a stall: that may last forever.
    /// </summary>
    public TransportLimits Limits { get; init; } = DefaultLimits;

    /// <summary>Talk's gap is 10 s rather than the handouts' 1 s: a person's line may leave a slow terminal in pieces.</summary>
    public static readonly TransportLimits DefaultLimits = new() { GapTimeout = TimeSpan.FromSeconds(10) };

    /// <summary>
    /// A message without a newline (a handout-style peer sends what <c>input()</c> returns and reads with one
    /// <c>recv</c>) is complete once its bytes stop arriving for this long. Not used once the peer has ended
    /// a message with a newline. Should be well under the gap timeout, which otherwise fires first.
    /// </summary>
    public TimeSpan QuietPeriod { get; init; } = DefaultQuietPeriod;

    /// <summary>Long enough for the rest of a message sent in one <c>sendall</c> to arrive, short enough to go unnoticed.</summary>
    public static readonly TimeSpan DefaultQuietPeriod = TimeSpan.FromMilliseconds(200);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> naming the setting when one is out of range.</summary>
    protected void ValidateCommon()
    {
        if (MaxLineBytes is < 1 or > TalkWire.MaxConfigurableLineBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxLineBytes), MaxLineBytes, $"MaxLineBytes must be 1-{TalkWire.MaxConfigurableLineBytes}");
        }
        Limits.Validated();
        if (QuietPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(QuietPeriod), QuietPeriod, "QuietPeriod must be positive");
        }
    }
}

/// <summary>Where and how <see cref="TalkServer"/> listens.</summary>
public sealed record TalkServerOptions : TalkOptions
{
    /// <summary>Address to listen on; null for all interfaces (IPv4 and IPv6).</summary>
    public IPAddress? Bind { get; init; }

    /// <summary>Port; 0 lets the OS choose (tests).</summary>
    public int Port { get; init; }

    /// <summary>Connections open at once, the conversation and callers being told the line is busy.</summary>
    public long MaxConnections { get; init; } = 64;

    /// <summary>How long a turned-away caller may take to close after the busy line before it is cut off.</summary>
    public TimeSpan BusyLinger { get; init; } = TimeSpan.FromSeconds(2);

    public TalkServerOptions Validated()
    {
        ValidateCommon();
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 0-65535");
        }
        if (MaxConnections < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxConnections), MaxConnections, "MaxConnections must be at least 1");
        }
        if (BusyLinger <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(BusyLinger), BusyLinger, "BusyLinger must be positive");
        }
        return this;
    }
}

/// <summary>Which server <see cref="TalkClient"/> calls.</summary>
public sealed record TalkClientOptions(string Host, int Port) : TalkOptions
{
    /// <summary>How long to try each address the host resolves to.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public TalkClientOptions Validated()
    {
        ValidateCommon();
        if (Port is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(Port), Port, "Port must be 1-65535");
        }
        if (ConnectTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(ConnectTimeout), ConnectTimeout, "ConnectTimeout must be positive");
        }
        return this;
    }
}
