using System.Buffers;
using Switchboard.Protocol;

namespace Switchboard.Transport.Tests.Framing;

/// <summary>A minimal protocol for transport tests: a length byte (1-100) then that many ASCII bytes.</summary>
public sealed class TestFrames : IFrameDecoder<string>
{
    public static TestFrames Decoder { get; } = new();

    public static byte[] Encode(string text) => [(byte)text.Length, .. System.Text.Encoding.ASCII.GetBytes(text)];

    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out string frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = string.Empty;
        consumed = input.Start;
        error = default;
        if (input.IsEmpty)
        {
            return DecodeStatus.Incomplete;
        }
        var length = input.FirstSpan[0];
        if (length is 0 or > 100)
        {
            error = new DecodeError("Length", length.ToString(), "1-100", "bad-length");
            return DecodeStatus.Invalid;
        }
        if (input.Length < 1 + length)
        {
            return DecodeStatus.Incomplete;
        }
        frame = System.Text.Encoding.ASCII.GetString(input.Slice(1, length).ToArray());
        consumed = input.GetPosition(1 + length);
        return DecodeStatus.Complete;
    }
}
