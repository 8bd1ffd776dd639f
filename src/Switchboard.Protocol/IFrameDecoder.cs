using System.Buffers;

namespace Switchboard.Protocol;

/// <summary>
/// Decodes one frame from the front of a byte sequence that may hold a partial frame,
/// exactly one frame, or a frame followed by the start of the next.
/// Implementations are pure (no I/O) and never throw for malformed input: they return
/// <see cref="DecodeStatus.Invalid"/> with a <see cref="DecodeError"/>.
/// </summary>
/// <typeparam name="TFrame">The decoded frame. It must not refer to the input bytes:
/// <c>input</c> memory is recycled by the transport once the frame has been consumed.</typeparam>
public interface IFrameDecoder<TFrame>
{
    /// <param name="input">Bytes received and not yet consumed.</param>
    /// <param name="frame">The frame, when <see cref="DecodeStatus.Complete"/>.</param>
    /// <param name="consumed">Where the frame ends, when <see cref="DecodeStatus.Complete"/>; bytes after it belong to the next frame.</param>
    /// <param name="error">What is wrong, when <see cref="DecodeStatus.Invalid"/>.</param>
    DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out TFrame frame, out SequencePosition consumed, out DecodeError error);
}
