namespace Switchboard.Protocol.Mailbox;

/// <summary>Constants of handout 000's records. All multi-byte fields are big-endian.</summary>
public static class MailboxWire
{
    public const ushort Magic = 0xAE73;
    public const byte ReadId = 1;
    public const byte CreateId = 2;
    public const byte ResponseId = 3;

    /// <summary>MagicNo u16 · ID u8 · NameLen u8 · ReceiverLen u8 · MessageLen u16.</summary>
    public const int RequestHeaderSize = 7;

    /// <summary>MagicNo u16 · ID u8 · NumItems u8 · MoreMsgs u8.</summary>
    public const int ResponseHeaderSize = 5;

    /// <summary>SenderLen u8 · MessageLen u16.</summary>
    public const int ItemHeaderSize = 3;

    public const int MaxNameBytes = byte.MaxValue;
    public const int MaxMessageBytes = ushort.MaxValue;

    /// <summary>At most this many messages in one response; more waiting is signalled with MoreMsgs = 1.</summary>
    public const int MaxItemsPerResponse = byte.MaxValue;

    /// <summary>The largest possible request: header plus three full-length fields.</summary>
    public const int MaxRequestSize = RequestHeaderSize + MaxNameBytes + MaxNameBytes + MaxMessageBytes;
}
