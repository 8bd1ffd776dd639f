using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Switchboard.Protocol.Echo;

/// <summary>
/// Encodes and decodes handout 001's messages, <c>[payload_length u32 BE][payload UTF-8]</c>.
/// The length is checked against <see cref="MaxPayloadBytes"/> as soon as its four bytes are here, so
/// a hostile prefix (up to 4 GiB) is refused before anyone allocates or waits for its payload.
/// </summary>
public sealed class EchoFrameCodec : IFrameDecoder<string>
{
    /// <param name="maxPayloadBytes">Largest payload accepted, 0 to <see cref="EchoWire.MaxConfigurablePayloadBytes"/>.</param>
    public EchoFrameCodec(int maxPayloadBytes = EchoWire.DefaultMaxPayloadBytes)
    {
        if (maxPayloadBytes < 0 || maxPayloadBytes > EchoWire.MaxConfigurablePayloadBytes)
        {
            throw new ArgumentOutOfRangeException(nameof(maxPayloadBytes), maxPayloadBytes,
                $"the payload limit must be 0-{EchoWire.MaxConfigurablePayloadBytes} bytes, got {maxPayloadBytes}");
        }
        MaxPayloadBytes = maxPayloadBytes;
    }

    /// <summary>A codec with the default 16 MiB limit; stateless, share it.</summary>
    public static EchoFrameCodec Default { get; } = new();

    /// <summary>Largest payload this codec accepts.</summary>
    public int MaxPayloadBytes { get; }

    /// <summary>The frame for <paramref name="payload"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> holds a lone surrogate, which UTF-8 cannot carry (Python's <c>encode()</c> refuses it too).</exception>
    public static byte[] Encode(string payload)
    {
        var length = PayloadByteCount(payload);
        var frame = new byte[EchoWire.HeaderSize + length];
        Write(frame, payload, length);
        return frame;
    }

    /// <summary>Appends the frame for <paramref name="payload"/> to <paramref name="writer"/>; returns the bytes written.</summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> holds a lone surrogate.</exception>
    public static int Encode(IBufferWriter<byte> writer, string payload)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var length = PayloadByteCount(payload);
        var size = EchoWire.HeaderSize + length;
        Write(writer.GetSpan(size), payload, length);
        writer.Advance(size);
        return size;
    }

    /// <summary>The UTF-8 size of <paramref name="payload"/>, which is what payload_length says.</summary>
    /// <exception cref="ArgumentException"><paramref name="payload"/> holds a lone surrogate.</exception>
    public static int PayloadByteCount(string payload)
    {
        ArgumentNullException.ThrowIfNull(payload);
        try
        {
            return Utf8Text.Strict.GetByteCount(payload);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"message is not valid Unicode text: lone surrogate U+{(int)e.CharUnknown:X4} at index {e.Index}", nameof(payload), e);
        }
    }

    /// <summary>
    /// Reads payload_length from the front of <paramref name="input"/> and checks it against the limit:
    /// <see cref="DecodeStatus.Incomplete"/> before four bytes are here, <see cref="DecodeStatus.Invalid"/>
    /// when it is over the limit, else <see cref="DecodeStatus.Complete"/> with the length.
    /// </summary>
    public DecodeStatus TryReadLength(in ReadOnlySequence<byte> input, out int payloadLength, out DecodeError error)
    {
        payloadLength = 0;
        error = default;
        if (input.Length < EchoWire.HeaderSize)
        {
            return DecodeStatus.Incomplete;
        }
        Span<byte> header = stackalloc byte[EchoWire.HeaderSize];
        input.Slice(0, EchoWire.HeaderSize).CopyTo(header);
        var announced = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (announced > (uint)MaxPayloadBytes)
        {
            error = new DecodeError("payload_length", announced.ToString(CultureInfo.InvariantCulture),
                $"at most {MaxPayloadBytes.ToString(CultureInfo.InvariantCulture)} bytes", "frame-too-large");
            return DecodeStatus.Invalid;
        }
        payloadLength = (int)announced;
        return DecodeStatus.Complete;
    }

    /// <summary>Decodes one message; bytes after it are left for the next call.</summary>
    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out string frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = string.Empty;
        consumed = input.Start;
        var status = TryReadLength(input, out var length, out error);
        if (status != DecodeStatus.Complete)
        {
            return status;
        }
        long total = EchoWire.HeaderSize + length;
        if (input.Length < total)
        {
            return DecodeStatus.Incomplete;
        }
        var payload = input.Slice(EchoWire.HeaderSize, length);
        if (!TryDecodeText(payload, out frame, out error))
        {
            return DecodeStatus.Invalid;
        }
        consumed = input.GetPosition(total);
        return DecodeStatus.Complete;
    }

    private static void Write(Span<byte> destination, string payload, int length)
    {
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)length);
        Encoding.UTF8.GetBytes(payload, destination[EchoWire.HeaderSize..]);
    }

    private static bool TryDecodeText(in ReadOnlySequence<byte> payload, out string text, out DecodeError error)
    {
        if (payload.IsSingleSegment)
        {
            return TryDecodeText(payload.FirstSpan, out text, out error);
        }
        // Multi-segment payloads are copied once so validation and the error position work on one span.
        var rented = ArrayPool<byte>.Shared.Rent((int)payload.Length);
        try
        {
            var span = rented.AsSpan(0, (int)payload.Length);
            payload.CopyTo(span);
            return TryDecodeText(span, out text, out error);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static bool TryDecodeText(ReadOnlySpan<byte> payload, out string text, out DecodeError error)
    {
        error = default;
        if (System.Text.Unicode.Utf8.IsValid(payload))
        {
            text = Encoding.UTF8.GetString(payload);
            return true;
        }
        text = string.Empty;
        var at = FirstInvalidByte(payload);
        var shown = payload.Slice(at, Math.Min(8, payload.Length - at));
        var value = $"not valid UTF-8 at byte {at} ({Convert.ToHexString(shown).ToLowerInvariant()}{(payload.Length - at > 8 ? "..." : string.Empty)})";
        error = new DecodeError("payload", value, "UTF-8 text", "bad-utf8");
        return false;
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[at..], out _, out var used) != OperationStatus.Done)
            {
                return at;
            }
            at += used;
        }
        return at;
    }
}
