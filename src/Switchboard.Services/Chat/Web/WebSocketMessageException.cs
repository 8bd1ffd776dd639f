using System.Net.WebSockets;
using Switchboard.Protocol;

namespace Switchboard.Services.Chat.Web;

/// <summary>A browser sent a WebSocket message that cannot carry a chat frame (text, or larger than any valid frame).</summary>
internal sealed class WebSocketMessageException(string message, WebSocketCloseStatus closeStatus) : SwitchboardException(message)
{
    /// <summary>The close code the server answers with.</summary>
    public WebSocketCloseStatus CloseStatus { get; } = closeStatus;

    public override string Reason => "websocket-message";
}
