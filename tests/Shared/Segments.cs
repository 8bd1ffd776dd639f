using System.Buffers;

namespace Switchboard.Tests.Shared;

/// <summary>Builds multi-segment byte sequences, so decoders are tested on data split the way a socket splits it.</summary>
public static class Segments
{
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

    /// <summary>A sequence whose segments are <paramref name="parts"/>, in order.</summary>
    public static ReadOnlySequence<byte> Of(params byte[][] parts)
    {
        if (parts.Length == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Every way of cutting <paramref name="bytes"/> in two: (prefix, bytes split at that point as two segments).</summary>
    public static IEnumerable<(int Cut, ReadOnlySequence<byte> Prefix, ReadOnlySequence<byte> Whole)> EveryCut(byte[] bytes)
    {
        for (var cut = 0; cut <= bytes.Length; cut++)
        {
            yield return (cut, new ReadOnlySequence<byte>(bytes, 0, cut), Of(bytes[..cut], bytes[cut..]));
        }
    }

    /// <summary>One sequence made of <paramref name="bytes"/> cut at each of <paramref name="cuts"/> (offsets outside the bytes are ignored).</summary>
    public static ReadOnlySequence<byte> Split(byte[] bytes, params int[] cuts)
    {
        var bounds = cuts.Where(c => c > 0 && c < bytes.Length).Distinct().Order().Prepend(0).Append(bytes.Length).ToArray();
        return bounds.Length == 2 ? new ReadOnlySequence<byte>(bytes) : Of(bounds.Zip(bounds.Skip(1), (from, to) => bytes[from..to]).ToArray());
    }

    /// <summary>One segment per byte: the worst case for a decoder.</summary>
    public static ReadOnlySequence<byte> ByteByByte(byte[] bytes) => Of(bytes.Select(b => new[] { b }).ToArray());
}
