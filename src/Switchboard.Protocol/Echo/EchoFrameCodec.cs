using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Switchboard.Protocol.Framing;

namespace Switchboard.Protocol.Echo;

/// <summary>
/// Handout 001's messages, <c>[payload_length u32 BE][payload UTF-8]</c>: the shared
/// <see cref="LengthPrefixedDecoder"/> for the framing, plus strict UTF-8 for the payload.
/// </summary>
public sealed class EchoFrameCodec : IFrameDecoder<string>
{
    /// <param name="maxPayloadBytes">Largest payload accepted, 0 to <see cref="EchoWire.MaxConfigurablePayloadBytes"/>.</param>
    public EchoFrameCodec(int maxPayloadBytes = EchoWire.DefaultMaxPayloadBytes)
    {
        Framing = new LengthPrefixedDecoder(maxPayloadBytes, "payload_length");
    }

    /// <summary>A codec with the default 16 MiB limit; stateless, share it.</summary>
    public static EchoFrameCodec Default { get; } = new();

    /// <summary>The length-prefix framing underneath, for readers that handle payload bytes themselves.</summary>
    public LengthPrefixedDecoder Framing { get; }

    /// <summary>Largest payload this codec accepts.</summary>
    public int MaxPayloadBytes => Framing.MaxPayloadBytes;

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

    /// <inheritdoc cref="LengthPrefixedDecoder.TryReadLength"/>
    public DecodeStatus TryReadLength(in ReadOnlySequence<byte> input, out int payloadLength, out DecodeError error) =>
        Framing.TryReadLength(input, out payloadLength, out error);

    /// <summary>Decodes one message; bytes after it are left for the next call.</summary>
    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out string frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = string.Empty;
        var status = Framing.TryDecode(input, out var payload, out consumed, out error);
        if (status != DecodeStatus.Complete)
        {
            return status;
        }
        if (!TryDecodeText(payload, out frame, out error))
        {
            consumed = input.Start;
            return DecodeStatus.Invalid;
        }
        return DecodeStatus.Complete;
    }

    /// <summary>Decodes a payload already framed (e.g. by <c>LengthPrefixedFrameReader</c>) as strict UTF-8; the error names the first bad byte.</summary>
    public static bool TryDecodePayload(in ReadOnlySequence<byte> payload, out string text, out DecodeError error) =>
        TryDecodeText(payload, out text, out error);

    /// <summary>
    /// Checks that <paramref name="payload"/> is strict UTF-8 without decoding it, for servers that answer with
    /// bytes (see <see cref="EchoReply.Utf8ReplyStart"/>). The error names the first bad byte.
    /// </summary>
    public static bool TryValidatePayload(in ReadOnlySequence<byte> payload, out DecodeError error)
    {
        error = default;
        if (payload.IsSingleSegment)
        {
            return System.Text.Unicode.Utf8.IsValid(payload.FirstSpan) || Invalid(payload.FirstSpan, out error);
        }
        return WithContiguous(payload, out error, static (ReadOnlySpan<byte> span, out DecodeError e) =>
        {
            e = default;
            return System.Text.Unicode.Utf8.IsValid(span) || Invalid(span, out e);
        });
    }

    private delegate bool SpanCheck(ReadOnlySpan<byte> span, out DecodeError error);

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
        string decoded = string.Empty;
        var ok = WithContiguous(payload, out error, (ReadOnlySpan<byte> span, out DecodeError e) => TryDecodeText(span, out decoded, out e));
        text = decoded;
        return ok;
    }

    /// <summary>Multi-segment payloads are copied once so validation and the error position work on one span.</summary>
    private static bool WithContiguous(in ReadOnlySequence<byte> payload, out DecodeError error, SpanCheck check)
    {
        var length = (int)payload.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var span = rented.AsSpan(0, length);
            payload.CopyTo(span);
            return check(span, out error);
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
        return Invalid(payload, out error);
    }

    /// <summary>Always false; fills <paramref name="error"/> with the position and bytes of the first invalid sequence.</summary>
    private static bool Invalid(ReadOnlySpan<byte> payload, out DecodeError error)
    {
        error = Utf8Text.InvalidField("payload", payload);
        return false;
    }
}
