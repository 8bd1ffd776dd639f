namespace Switchboard.Protocol;

/// <summary>
/// A value the caller supplied breaks a rule (a user name too long for its length field, a store spec that is
/// no store); the message names the value and the rule. Front ends decide what that means for them: the CLI
/// reports it as a bad command line (exit 2), an interactive prompt asks again.
/// </summary>
public sealed class InvalidValueException(string message) : SwitchboardException(message)
{
    public override string Reason => "invalid-value";
}
