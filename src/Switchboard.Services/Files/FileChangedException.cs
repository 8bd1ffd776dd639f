using Switchboard.Protocol;

namespace Switchboard.Services.Files;

/// <summary>The file changed under a transfer, so DataLength can no longer be honoured; the connection is cut so the client keeps nothing.</summary>
public sealed class FileChangedException(string message) : SwitchboardException(message)
{
    public override string Reason => "file-changed";
}
