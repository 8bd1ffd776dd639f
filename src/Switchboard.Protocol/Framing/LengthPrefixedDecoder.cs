using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;

namespace Switchboard.Protocol.Framing;

/// <summary>
/// The framing shared by echo (handout 001) and chat: <c>[length: u32 big-endian][payload: length bytes]</c>.
/// This type knows nothing of what a payload means; protocols put their own rules on top (echo: strict UTF-8;
/// chat: its message codes).
/// </summary>
/// <remarks>
/// <para>The length is checked against <see cref="MaxPayloadBytes"/> as soon as its four bytes have arrived, so a
/// hostile prefix (up to 4 GiB) is refused before anyone waits for, or allocates memory for, its payload. The
/// refusal is a <see cref="DecodeError"/> naming the field (<see cref="LengthField"/>), the value and the limit,
/// with reason <c>frame-too-large</c>.</para>
/// <para>The decoded frame is the payload as a slice of the input: no copy and no text decoding. It is valid
/// only while the input is (a pipe reader's buffer is recycled once advanced past it), so a caller either
/// finishes with the payload before advancing, or decodes it into something that owns its memory (as
/// <c>EchoFrameCodec</c> does), or reads with <c>LengthPrefixedFrameReader</c>, which releases the bytes only
/// when asked.</para>
/// <para>Stateless apart from its limit: share one instance between connections.</para>
/// </remarks>
public sealed class LengthPrefixedDecoder : IFrameDecoder<ReadOnlySequence<byte>>
{
    /// <summary>Bytes of the length prefix.</summary>
    public const int HeaderSize = 4;

    /// <summary>The most a configured limit may be: the largest array .NET can allocate, less the header.</summary>
    public static int MaxConfigurablePayloadBytes => Array.MaxLength - HeaderSize;

    /// <param name="maxPayloadBytes">Largest payload accepted, 0 to <see cref="MaxConfigurablePayloadBytes"/>.</param>
    /// <param name="lengthField">The length field's name in error messages, as the protocol's handout calls it.</param>
    public LengthPrefixedDecoder(int maxPayloadBytes, string lengthField = "payload_length")
    {
        if (maxPayloadBytes < 0 || maxPayloadBytes > MaxConfigurablePayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPayloadBytes), maxPayloadBytes,
                $"the payload limit must be 0-{MaxConfigurablePayloadBytes} bytes, got {maxPayloadBytes}");
        }
        ArgumentException.ThrowIfNullOrEmpty(lengthField);
        MaxPayloadBytes = maxPayloadBytes;
        LengthField = lengthField;
    }

    /// <summary>Largest payload accepted.</summary>
    public int MaxPayloadBytes { get; }

    /// <summary>The length field's name in <see cref="DecodeError"/>s.</summary>
    public string LengthField { get; }

    /// <summary>
    /// Reads the length prefix from the front of <paramref name="input"/> and checks it against the limit:
    /// <see cref="DecodeStatus.Incomplete"/> before four bytes are here, <see cref="DecodeStatus.Invalid"/>
    /// (reason <c>frame-too-large</c>) when it is over the limit, else <see cref="DecodeStatus.Complete"/>
    /// with the payload's length. Nothing after the prefix is looked at.
    /// </summary>
    public DecodeStatus TryReadLength(in ReadOnlySequence<byte> input, out int payloadLength, out DecodeError error)
    {
        payloadLength = 0;
        error = default;
        if (input.Length < HeaderSize)
        {
            return DecodeStatus.Incomplete;
        }
        uint announced;
        if (input.FirstSpan.Length >= HeaderSize)
        {
            announced = BinaryPrimitives.ReadUInt32BigEndian(input.FirstSpan);
        }
        else
        {
            Span<byte> header = stackalloc byte[HeaderSize];
            input.Slice(0, HeaderSize).CopyTo(header);
            announced = BinaryPrimitives.ReadUInt32BigEndian(header);
        }
        if (announced > (uint)MaxPayloadBytes)
        {
            error = TooLarge(announced);
            return DecodeStatus.Invalid;
        }
        payloadLength = (int)announced;
        return DecodeStatus.Complete;
    }

    /// <summary>
    /// Decodes one frame: <paramref name="frame"/> is the payload, a slice of <paramref name="input"/> (see the
    /// remarks on its lifetime). Bytes after the frame are left for the next call.
    /// </summary>
    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out ReadOnlySequence<byte> frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = ReadOnlySequence<byte>.Empty;
        consumed = input.Start;
        var status = TryReadLength(input, out var length, out error);
        if (status != DecodeStatus.Complete)
        {
            return status;
        }
        long total = HeaderSize + (long)length;
        if (input.Length < total)
        {
            return DecodeStatus.Incomplete;
        }
        frame = input.Slice(HeaderSize, length);
        consumed = frame.End;
        return DecodeStatus.Complete;
    }

    /// <summary>The error for an announced length over the limit; public so readers that stream payloads report it identically.</summary>
    public DecodeError TooLarge(uint announced) => new(
        LengthField,
        announced.ToString(CultureInfo.InvariantCulture),
        $"at most {MaxPayloadBytes.ToString(CultureInfo.InvariantCulture)} bytes",
        "frame-too-large");

    /// <summary>Writes the four-byte prefix for a payload of <paramref name="payloadLength"/> bytes.</summary>
    public static void WriteHeader(IBufferWriter<byte> writer, int payloadLength)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentOutOfRangeException.ThrowIfNegative(payloadLength);
        BinaryPrimitives.WriteUInt32BigEndian(writer.GetSpan(HeaderSize), (uint)payloadLength);
        writer.Advance(HeaderSize);
    }

    /// <summary>Writes header and payload; returns the bytes written.</summary>
    public static int Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> payload)
    {
        WriteHeader(writer, payload.Length);
        writer.Write(payload);
        return HeaderSize + payload.Length;
    }

    /// <summary>Writes header and a payload given as a (possibly multi-segment) sequence; returns the bytes written.</summary>
    public static int Write(IBufferWriter<byte> writer, in ReadOnlySequence<byte> payload)
    {
        if (payload.Length > MaxConfigurablePayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(payload), payload.Length, $"a payload may hold at most {MaxConfigurablePayloadBytes} bytes");
        }
        WriteHeader(writer, (int)payload.Length);
        foreach (var segment in payload)
        {
            writer.Write(segment.Span);
        }
        return HeaderSize + (int)payload.Length;
    }
}
