namespace Switchboard.Protocol.Talk;

/// <summary>
/// Constants of handout 003's two-party chat: UTF-8 lines ended by <c>\n</c>, nothing else on the wire.
/// See docs/talk-protocol.md.
/// </summary>
public static class TalkWire
{
    /// <summary>Ends every line on the wire. A <c>\r</c> just before it is tolerated on input and never sent.</summary>
    public const byte Newline = (byte)'\n';

    /// <summary>Dropped from the end of a received line, so peers that send CRLF (telnet, Windows) still work.</summary>
    public const byte CarriageReturn = (byte)'\r';

    /// <summary>
    /// Typed on a line of its own (no spaces, upper case), ends the conversation at that end. It is a local
    /// command, not a message: the handout's programs close the socket instead of sending it.
    /// </summary>
    public const string HangUp = "EXIT";

    /// <summary>
    /// Default bound on one line's UTF-8 bytes (without its line ending): generous for people, small enough
    /// that a peer streaming bytes without a newline cannot make us buffer without limit.
    /// </summary>
    public const int DefaultMaxLineBytes = 1024 * 1024;

    /// <summary>The largest limit a user may configure; a line must fit in memory on both ends.</summary>
    public const int MaxConfigurableLineBytes = 64 * 1024 * 1024;

    /// <summary>
    /// What a server already in a conversation sends a second caller before closing. It is a plain line,
    /// so the handout's client simply prints it; Switchboard's client recognises it as the first line
    /// received and reports the line busy.
    /// </summary>
    public const string BusyLine = "line busy: the server is talking to someone else, try again later";

    /// <summary>The field name used in decode errors.</summary>
    public const string LineField = "line";

    /// <summary>The record name used in errors and logs.</summary>
    public const string RecordName = "line";
}
