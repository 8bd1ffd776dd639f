using System.Diagnostics;
using System.Net.Sockets;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Files;

/// <summary>
/// The gap rule for a zero-copy send, which reports nothing until a whole chunk is in the kernel. Progress
/// is read from the kernel instead: TCP_INFO's count of bytes the reader has acknowledged. The send fails
/// only when that count has not moved for a whole gap — a reader creeping along at any rate is kept, one
/// that stopped is cut off. Where TCP_INFO is unavailable, only a completed chunk counts as progress
/// (see <see cref="ChunkSizer"/> for how chunks are kept short enough for that); with no socket at all
/// (a transport other than Kestrel's sockets), only a completed flush does.
/// </summary>
/// <remarks>
/// A stall is reported through the exchange's <see cref="GapTimer"/> (<see cref="GapTimer.Expired"/>), so it reads
/// like every other gap failure. The decision itself is taken here, on a fresh TCP_INFO reading at the moment
/// the gap runs out, rather than by the timer's token: a fired token cannot be re-armed, and bytes acknowledged
/// in the last instant before the gap ends must still count. Nor is the timer re-armed per chunk: that would
/// put timer-queue work on every 32 KiB flush of the buffered path for no decision.
/// </remarks>
internal sealed class SendWatchdog(Socket? socket, GapTimer timer)
{
    private const int IPPROTO_TCP = 6;
    private const int TCP_INFO = 11;

    // struct tcp_info: 8 one-byte fields, 24 u32 fields, then u64 pacing_rate, max_pacing_rate, bytes_acked.
    private const int BytesAckedOffset = 8 + 24 * 4 + 8 + 8;

    private readonly TimeSpan _tick = TimeSpan.FromTicks(Math.Max(timer.Gap.Ticks / 4, TimeSpan.FromMilliseconds(5).Ticks));
    private readonly byte[] _info = new byte[256];
    private long _lastAcked = -1;

    /// <summary>The timer whose gap is enforced and whose wording a stall is reported in.</summary>
    public GapTimer Timer => timer;

    /// <summary>
    /// True when the kernel reports the reader's acknowledgements on this socket (one TCP_INFO reading):
    /// progress is then visible while a send is pending, so one send may carry the whole file.
    /// </summary>
    public bool SeesAcks()
    {
        _lastAcked = Acked();
        return _lastAcked >= 0;
    }

    /// <summary>
    /// Bytes the reader has acknowledged, read now if the socket still answers, else the last reading
    /// (-1 when there never was one): how far a failed send provably got.
    /// </summary>
    public long AckedSoFar()
    {
        var now = Acked();
        return now >= 0 ? now : _lastAcked;
    }

    /// <summary>Waits for <paramref name="send"/>; true when it stalled for a whole gap (the send is then still pending).</summary>
    public async Task<bool> WatchAsync(Task send)
    {
        var gap = timer.Gap;
        var lastProgress = Stopwatch.GetTimestamp();
        while (true)
        {
            var wait = gap - Stopwatch.GetElapsedTime(lastProgress);
            if (wait > _tick)
            {
                wait = _tick;
            }
            if (wait > TimeSpan.Zero && await Task.WhenAny(send, Task.Delay(wait)).ConfigureAwait(false) == send)
            {
                // Not re-read here: the next wait starts its own gap from now, and a reading per completed
                // send would be a getsockopt per piece for no decision.
                return false;
            }
            var acked = Acked();
            if (acked >= 0 && acked != _lastAcked)
            {
                _lastAcked = acked;
                lastProgress = Stopwatch.GetTimestamp();
                continue;
            }
            if (Stopwatch.GetElapsedTime(lastProgress) >= gap)
            {
                if (send.IsCompleted)
                {
                    return false;
                }
                // Re-armed for the gap alone, the timer leaves any request-deadline state behind and words
                // this stall as the gap rule (the connection is aborted next, so it never fires on anything).
                timer.ClearDeadline();
                timer.Restart();
                return true;
            }
        }
    }

    /// <summary>Bytes acknowledged by the peer so far, or -1 when the kernel does not say.</summary>
    private long Acked()
    {
        if (socket is null || !OperatingSystem.IsLinux())
        {
            return -1;
        }
        try
        {
            // Kernels before 4.1 return a shorter struct without the field.
            var n = socket.GetRawSocketOption(IPPROTO_TCP, TCP_INFO, _info);
            return n >= BytesAckedOffset + 8 ? (long)BitConverter.ToUInt64(_info, BytesAckedOffset) : -1;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return -1;
        }
    }
}
