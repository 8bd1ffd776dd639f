using Switchboard.Protocol;

namespace Switchboard.Services.Talk;

/// <summary>The server answered with the busy line: it is already in a conversation.</summary>
public sealed class LineBusyException(string message) : SwitchboardException(message)
{
    public override string Reason => "line-busy";
}

/// <summary>The connection broke (reset, aborted, network down), as opposed to the peer closing it cleanly.</summary>
public sealed class ConnectionLostException(string message, Exception inner) : SwitchboardException(message, inner)
{
    public override string Reason => "connection-lost";
}
