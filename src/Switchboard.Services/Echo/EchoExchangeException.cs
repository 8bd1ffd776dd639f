using Switchboard.Protocol;

namespace Switchboard.Services.Echo;

/// <summary>An echo exchange failed (the server went away, or sent something malformed); the message says which server and why.</summary>
public sealed class EchoExchangeException(string message) : SwitchboardException(message)
{
    public override string Reason => "exchange-failed";
}
