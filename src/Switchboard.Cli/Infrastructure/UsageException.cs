using Switchboard.Protocol;

namespace Switchboard.Cli.Infrastructure;

/// <summary>A command-line value is wrong (exit code 2). The message names the argument and the value.</summary>
public sealed class UsageException(string message) : SwitchboardException(message)
{
    public override string Reason => "usage";
}
