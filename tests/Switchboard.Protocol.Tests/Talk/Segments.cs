using System.Buffers;

namespace Switchboard.Protocol.Tests.Talk;

/// <summary>Builds multi-segment sequences, the shape bytes have when they arrived in several reads.</summary>
internal static class Segments
{
    /// <summary>One sequence made of <paramref name="bytes"/> cut at each of <paramref name="cuts"/> (ascending offsets).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().Append(bytes.Length).ToArray();
        var start = 0;
        Segment? first = null, last = null;
        foreach (var end in bounds)
        {
            var piece = new Segment(bytes.AsMemory(start, end - start));
            if (first is null)
            {
                first = last = piece;
            }
            else
            {
                last = last!.Append(piece);
            }
            start = end;
        }
        return first is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(first, 0, last!, last!.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory) => Memory = memory;

        public Segment Append(Segment next)
        {
            next.RunningIndex = RunningIndex + Memory.Length;
            Next = next;
            return next;
        }
    }
}
