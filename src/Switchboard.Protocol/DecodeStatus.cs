namespace Switchboard.Protocol;

/// <summary>Outcome of one attempt to decode a frame from the bytes received so far.</summary>
public enum DecodeStatus
{
    /// <summary>More bytes are needed; nothing was wrong with what arrived.</summary>
    Incomplete,

    /// <summary>A whole frame was decoded.</summary>
    Complete,

    /// <summary>The bytes can never become a valid frame; <see cref="DecodeError"/> says why.</summary>
    Invalid,
}
