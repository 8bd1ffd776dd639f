namespace Switchboard.Transport.Framing;

/// <summary>
/// A limit on the bytes a server holds for incomplete frames, shared by all its connections: each large frame
/// reserves its announced length when its prefix arrives and gives it back when the frame has been handled or
/// its connection ends. Without it, the memory a server can be made to hold is the frame limit times the
/// connection limit (16 MiB × 10,000 for echo).
/// </summary>
/// <remarks>Refusal, not waiting: a reservation that does not fit fails at once, so a few peers announcing huge
/// frames and then stalling cannot queue everyone else behind them.</remarks>
public sealed class FrameMemoryBudget
{
    private long _reserved;

    /// <param name="limitBytes">Most bytes reserved at once; must be positive.</param>
    public FrameMemoryBudget(long limitBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limitBytes, 1);
        LimitBytes = limitBytes;
    }

    /// <summary>A budget that never refuses (clients, which hold one frame at a time).</summary>
    public static FrameMemoryBudget Unlimited { get; } = new(long.MaxValue);

    /// <summary>Most bytes reserved at once.</summary>
    public long LimitBytes { get; }

    /// <summary>Bytes reserved right now.</summary>
    public long ReservedBytes => Interlocked.Read(ref _reserved);

    /// <summary>Reserves <paramref name="bytes"/>, or returns false (reserving nothing) when the budget cannot cover them.</summary>
    public bool TryReserve(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        while (true)
        {
            var current = Interlocked.Read(ref _reserved);
            if (bytes > LimitBytes - current)
            {
                return false;
            }
            if (Interlocked.CompareExchange(ref _reserved, current + bytes, current) == current)
            {
                return true;
            }
        }
    }

    /// <summary>Returns a reservation made with <see cref="TryReserve"/>.</summary>
    public void Release(long bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bytes);
        Interlocked.Add(ref _reserved, -bytes);
    }
}
