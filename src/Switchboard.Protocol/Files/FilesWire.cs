namespace Switchboard.Protocol.Files;

/// <summary>Constants of handout 004's records. All multi-byte fields are big-endian.</summary>
public static class FilesWire
{
    public const ushort Magic = 0x497E;
    public const byte RequestType = 1;
    public const byte ResponseType = 2;

    /// <summary>StatusCode when the file's bytes follow.</summary>
    public const byte StatusFound = 1;

    /// <summary>StatusCode when no file follows (DataLength is 0).</summary>
    public const byte StatusNotFound = 0;

    /// <summary>MagicNo u16 · Type u8 · FilenameLen u16.</summary>
    public const int RequestHeaderSize = 5;

    /// <summary>MagicNo u16 · Type u8 · StatusCode u8 · DataLength u32.</summary>
    public const int ResponseHeaderSize = 8;

    public const int MinFilenameBytes = 1;

    /// <summary>The handout's upper bound for FilenameLen (well below the u16 field's range).</summary>
    public const int MaxFilenameBytes = 1024;

    /// <summary>The largest request: header plus a full-length name.</summary>
    public const int MaxRequestSize = RequestHeaderSize + MaxFilenameBytes;

    /// <summary>DataLength is a u32: no file above this can be sent.</summary>
    public const long MaxDataLength = uint.MaxValue;
}
