using Switchboard.Protocol;

namespace Switchboard.Transport.Hosting;

/// <summary>A server could not bind or listen; the message names the service, address and port.</summary>
public sealed class ServerStartException(string message, Exception inner) : SwitchboardException(message, inner)
{
    public override string Reason => "listen-failed";
}
