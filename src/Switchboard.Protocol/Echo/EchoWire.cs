using Switchboard.Protocol.Framing;

namespace Switchboard.Protocol.Echo;

/// <summary>Constants of handout 001's message format: <c>[payload_length u32 big-endian][payload UTF-8]</c>.</summary>
public static class EchoWire
{
    /// <summary>The record's name in error messages.</summary>
    public const string RecordName = "EchoMessage";

    /// <summary>payload_length u32.</summary>
    public const int HeaderSize = LengthPrefixedDecoder.HeaderSize;

    /// <summary>Largest payload accepted unless configured otherwise: 16 MiB.</summary>
    public const int DefaultMaxPayloadBytes = 16 * 1024 * 1024;

    /// <summary>The most a configured limit may be: the largest array .NET can allocate, less the header.</summary>
    public static int MaxConfigurablePayloadBytes => LengthPrefixedDecoder.MaxConfigurablePayloadBytes;

    /// <summary>How many characters (Unicode code points) the server drops from the front of each message.</summary>
    public const int StrippedCharacters = 10;
}
