namespace Switchboard.Protocol.Chat;

/// <summary>
/// Limits of the chat protocol (handout 002, written down in docs/chat-protocol.md). Every frame both ways is
/// <c>[datalen u32 big-endian][data UTF-8]</c>.
/// </summary>
public static class ChatWire
{
    /// <summary>The record's name in error messages.</summary>
    public const string RecordName = "chat frame";

    /// <summary>The length field's name, as the handout draws it.</summary>
    public const string LengthField = "datalen";

    /// <summary>datalen u32.</summary>
    public const int HeaderSize = 4;

    /// <summary>Longest message a participant may send, in characters (Unicode code points, as Python's <c>len</c>).</summary>
    public const int MaxMessageCharacters = 1000;

    /// <summary>Longest username, in characters (code points).</summary>
    public const int MaxUsernameCharacters = 10;

    /// <summary>UTF-8 needs at most this many bytes for one code point.</summary>
    public const int MaxBytesPerCharacter = 4;

    /// <summary>
    /// Largest frame data a server accepts from a client: a message of <see cref="MaxMessageCharacters"/>
    /// characters of four UTF-8 bytes each. Any valid message fits; a longer datalen can hold no valid message,
    /// so it is refused as soon as its four bytes arrive and the connection closed, nothing buffered.
    /// </summary>
    public const int MaxClientDataBytes = MaxMessageCharacters * MaxBytesPerCharacter;

    /// <summary>
    /// Largest frame data a client accepts from a server: the longest line a server sends is the <c>/who</c> list
    /// (255 names of up to 40 bytes by default), so the bound is generous but still protects a client from a
    /// hostile length.
    /// </summary>
    public const int MaxServerDataBytes = 1024 * 1024;

    /// <summary>Characters before a message's text in a delivered line: <c>&gt;</c>, padding, name, <c>": "</c>.</summary>
    public const int LinePrefixCharacters = 14;
}
