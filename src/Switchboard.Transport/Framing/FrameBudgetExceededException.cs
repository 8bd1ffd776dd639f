using Switchboard.Protocol;

namespace Switchboard.Transport.Framing;

/// <summary>A frame was refused because the server's budget for incomplete frames could not cover it.</summary>
public sealed class FrameBudgetExceededException(string message) : SwitchboardException(message)
{
    public override string Reason => "memory-budget";
}
