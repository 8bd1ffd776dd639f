using System.Buffers;
using Switchboard.Protocol;

namespace Switchboard.Tests.Shared;

/// <summary>Feeds decoders the way TCP does: in pieces, and in multi-segment sequences.</summary>
public static class DecoderAssert
{
    public static DecodeStatus Decode<T>(IFrameDecoder<T> decoder, in ReadOnlySequence<byte> input, out T frame, out long consumed, out DecodeError error)
    {
        var status = decoder.TryDecode(input, out frame, out var position, out error);
        consumed = input.Slice(input.Start, position).Length;
        return status;
    }

    /// <summary>
    /// Asserts the decoder reaches <paramref name="expected"/> on the whole input however it is split, and
    /// that every shorter prefix is either Incomplete or (for Invalid) already the same error.
    /// Returns the frame decoded from the whole input.
    /// </summary>
    public static T AtEveryBoundary<T>(IFrameDecoder<T> decoder, byte[] bytes, DecodeStatus expected, int frameLength, DecodeError? expectedError = null)
    {
        var wholeStatus = Decode(decoder, new ReadOnlySequence<byte>(bytes), out var whole, out var wholeConsumed, out var wholeError);
        wholeStatus.ShouldBe(expected);
        if (expected == DecodeStatus.Complete)
        {
            wholeConsumed.ShouldBe(frameLength);
        }
        if (expectedError is { } e)
        {
            wholeError.ShouldBe(e);
        }
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var status = Decode(decoder, Segments.Split(bytes, cut), out _, out var consumed, out var error);
            status.ShouldBe(wholeStatus, $"split at {cut}");
            consumed.ShouldBe(wholeConsumed, $"split at {cut}");
            error.ShouldBe(wholeError, $"split at {cut}");

            var prefixStatus = Decode(decoder, new ReadOnlySequence<byte>(bytes, 0, cut), out _, out _, out var prefixError);
            if (prefixStatus == DecodeStatus.Invalid)
            {
                expected.ShouldBe(DecodeStatus.Invalid, $"prefix of {cut} bytes");
                prefixError.ShouldBe(wholeError, $"prefix of {cut} bytes");
            }
            else
            {
                prefixStatus.ShouldBe(cut >= frameLength ? DecodeStatus.Complete : DecodeStatus.Incomplete, $"prefix of {cut} bytes");
            }
        }
        // Byte-at-a-time segments, as a reader sees them when each byte arrives alone.
        var everyByte = Segments.Split(bytes, Enumerable.Range(1, bytes.Length).ToArray());
        Decode(decoder, everyByte, out _, out var c1, out var e1).ShouldBe(wholeStatus);
        c1.ShouldBe(wholeConsumed);
        e1.ShouldBe(wholeError);
        return whole;
    }
}
