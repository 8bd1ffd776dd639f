using Switchboard.Protocol;

namespace Switchboard.Transport.Framing;

/// <summary>The peer closed the connection (or stopped reading) before an exchange was complete.</summary>
public sealed class PeerClosedException(string message) : SwitchboardException(message)
{
    public override string Reason => "peer-closed";
}
