using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Switchboard.Protocol.Framing;

namespace Switchboard.Protocol.Chat;

/// <summary>
/// Chat frames, <c>[datalen u32 BE][data UTF-8]</c>: the shared <see cref="LengthPrefixedDecoder"/> for the framing
/// (datalen checked against the limit as soon as its four bytes arrive), then strict UTF-8 for the text.
/// </summary>
public sealed class ChatFrameCodec : IFrameDecoder<string>
{
    /// <param name="maxDataBytes">Largest datalen accepted.</param>
    public ChatFrameCodec(int maxDataBytes)
    {
        Framing = new LengthPrefixedDecoder(maxDataBytes, ChatWire.LengthField);
    }

    /// <summary>What a server reads from clients: any valid message fits, nothing longer is buffered.</summary>
    public static ChatFrameCodec FromClients { get; } = new(ChatWire.MaxClientDataBytes);

    /// <summary>What a client reads from a server.</summary>
    public static ChatFrameCodec FromServer { get; } = new(ChatWire.MaxServerDataBytes);

    public LengthPrefixedDecoder Framing { get; }

    public int MaxDataBytes => Framing.MaxPayloadBytes;

    /// <summary>The frame for <paramref name="text"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="text"/> holds a lone surrogate, which UTF-8 cannot carry.</exception>
    public static byte[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        int length;
        try
        {
            length = Utf8Text.Strict.GetByteCount(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"text is not valid Unicode: lone surrogate at index {e.Index}", nameof(text), e);
        }
        var frame = new byte[ChatWire.HeaderSize + length];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)length);
        Encoding.UTF8.GetBytes(text, frame.AsSpan(ChatWire.HeaderSize));
        return frame;
    }

    /// <summary>Decodes one frame's text; bytes after it are left for the next call.</summary>
    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out string frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = string.Empty;
        var status = Framing.TryDecode(input, out var data, out consumed, out error);
        if (status != DecodeStatus.Complete)
        {
            return status;
        }
        if (Utf8Text.TryDecode(data, out frame))
        {
            return DecodeStatus.Complete;
        }
        consumed = input.Start;
        error = new DecodeError("data", $"{Utf8Text.Bytes(data.Length)} that are not valid UTF-8", "UTF-8 text", "bad-utf8");
        return DecodeStatus.Invalid;
    }
}
