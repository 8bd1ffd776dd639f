namespace Switchboard.Protocol;

/// <summary>A peer sent bytes that break the protocol. The message names the field and value.</summary>
public sealed class ProtocolViolationException : SwitchboardException
{
    public ProtocolViolationException(string record, DecodeError error)
        : base($"malformed {record}: {error}")
    {
        Record = record;
        Error = error;
    }

    /// <summary>The record being decoded, as the handout names it (e.g. <c>MessageRequest</c>).</summary>
    public string Record { get; }

    /// <summary>The field-level detail.</summary>
    public DecodeError Error { get; }

    /// <inheritdoc />
    public override string Reason => Error.Reason;
}
