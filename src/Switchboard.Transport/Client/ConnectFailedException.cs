using Switchboard.Protocol;

namespace Switchboard.Transport.Client;

/// <summary>A host name did not resolve, or no resolved address accepted the connection.</summary>
public sealed class ConnectFailedException(string message, string reason) : SwitchboardException(message)
{
    public override string Reason { get; } = reason;
}
