namespace Switchboard.Transport.Framing;

/// <summary>A frame, or the news that the peer closed cleanly between frames (<see cref="IsClosed"/>).</summary>
public readonly struct FrameReadResult<TFrame>
{
    private FrameReadResult(TFrame frame, bool closed)
    {
        Frame = frame;
        IsClosed = closed;
    }

    /// <summary>The peer closed its side at a frame boundary: the normal end of a long-lived connection.</summary>
    public static FrameReadResult<TFrame> Closed => new(default!, closed: true);

    /// <summary>The frame read; <c>default</c> when <see cref="IsClosed"/>.</summary>
    public TFrame Frame { get; }

    public bool IsClosed { get; }

    public static FrameReadResult<TFrame> Of(TFrame frame) => new(frame, closed: false);
}
