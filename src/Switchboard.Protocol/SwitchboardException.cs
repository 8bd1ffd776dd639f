namespace Switchboard.Protocol;

/// <summary>
/// An expected failure (bad peer, bad input, timeout, unreachable host): its message is fit to show a
/// user after <c>error: </c>, and no stack trace is wanted. Anything else that escapes is a bug.
/// </summary>
public class SwitchboardException : Exception
{
    public SwitchboardException(string message) : base(message) { }

    public SwitchboardException(string message, Exception? inner) : base(message, inner) { }

    /// <summary>A short tag for metrics and log filtering (e.g. <c>gap-timeout</c>).</summary>
    public virtual string Reason => "error";
}
