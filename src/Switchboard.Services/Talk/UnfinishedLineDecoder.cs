using System.Buffers;
using Switchboard.Protocol;
using Switchboard.Protocol.Talk;

namespace Switchboard.Services.Talk;

/// <summary>
/// A per-connection wrapper that remembers how many bytes of an unfinished line were waiting when the
/// peer closed: a stream-backed pipe no longer hands them out once the stream has ended, yet "hung up"
/// and "hung up mid-line" deserve different notices.
/// </summary>
internal sealed class UnfinishedLineDecoder(TalkLineDecoder inner) : IFrameDecoder<string>
{
    /// <summary>Bytes of a line without its newline yet, as of the last decode; 0 after a whole line.</summary>
    public long PendingBytes { get; private set; }

    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out string frame, out SequencePosition consumed, out DecodeError error)
    {
        var status = inner.TryDecode(input, out frame, out consumed, out error);
        PendingBytes = status == DecodeStatus.Incomplete ? input.Length : 0;
        return status;
    }
}
