using System.Buffers;

namespace Switchboard.Micro;

/// <summary>Encoded frames shared by the benchmarks, and a multi-segment view of one (as a pipe delivers a frame split across reads).</summary>
public static class Wire
{
    /// <summary>A sequence of <paramref name="bytes"/> cut into <paramref name="pieces"/> segments.</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, int pieces)
    {
        if (pieces <= 1)
        {
            return new ReadOnlySequence<byte>(bytes);
        }
        var size = (bytes.Length + pieces - 1) / pieces;
        Segment? first = null, last = null;
        for (var offset = 0; offset < bytes.Length; offset += size)
        {
            var memory = bytes.AsMemory(offset, Math.Min(size, bytes.Length - offset));
            last = last is null ? first = new Segment(memory, 0) : last.Append(memory);
        }
        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
