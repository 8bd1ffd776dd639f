using Switchboard.Protocol;

namespace Switchboard.Services.Chat;

/// <summary>The chat session ended on the server's side (full, shut down, timed out, closed); the message says which.</summary>
public sealed class ChatSessionEndedException(string message, string reason) : SwitchboardException(message)
{
    public override string Reason { get; } = reason;
}
