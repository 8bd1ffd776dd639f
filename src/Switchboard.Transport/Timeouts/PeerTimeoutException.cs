using Switchboard.Protocol;

namespace Switchboard.Transport.Timeouts;

/// <summary>The peer stalled past the gap rule or the exchange deadline.</summary>
public sealed class PeerTimeoutException(string message, string reason) : SwitchboardException(message)
{
    public override string Reason { get; } = reason;
}
