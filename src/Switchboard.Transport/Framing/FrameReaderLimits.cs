namespace Switchboard.Transport.Framing;

/// <summary>Time and memory limits of a <see cref="LengthPrefixedFrameReader"/>; every time limit is optional.</summary>
public sealed record FrameReaderLimits
{
    /// <summary>Frames of at most this many bytes (prefix included) are decoded in the transport's buffer; longer ones are streamed into a buffer of their own.</summary>
    public const int DefaultStreamAbove = 64 * 1024;

    /// <summary>The gap rule inside a frame: once its first byte has arrived, no stall longer than this. Null: none (clients).</summary>
    public TimeSpan? GapTimeout { get; init; }

    /// <summary>A whole frame must arrive within this, counted from its first byte, however steadily it trickles. Null: none.</summary>
    public TimeSpan? RequestTimeout { get; init; }

    /// <summary>Longest silence allowed between frames (before a frame's first byte). Null: unlimited.</summary>
    public TimeSpan? IdleTimeout { get; init; }

    /// <summary>
    /// Frames larger than this (prefix included) are copied out of the transport's pipe as they arrive, into a pooled
    /// buffer reserved from the <see cref="FrameMemoryBudget"/>, so they may be larger than the pipe can hold
    /// (Kestrel: 1 MiB). Must be at least 4 and should stay well under the pipe's capacity.
    /// </summary>
    public int StreamAbove { get; init; } = DefaultStreamAbove;

    /// <summary>No time limits (a client waiting for a reply as long as its caller wants).</summary>
    public static FrameReaderLimits None { get; } = new();
}
