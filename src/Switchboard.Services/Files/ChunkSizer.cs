using System.Diagnostics;

namespace Switchboard.Services.Files;

/// <summary>
/// Sizes the pieces a file is sent in where TCP_INFO cannot show progress during a send (elsewhere the
/// whole file is one send, see <see cref="FileSender"/>). The gap rule wants "no progress for one gap" detected, but a
/// zero-copy send only reports when a whole piece has been handed to the kernel; so each piece is kept to
/// about a quarter of a gap at the reader's recent rate (doubling while pieces finish in under an
/// eighth, halving when one takes over a quarter). A reader that stops entirely then fails one gap after
/// the kernel's buffers fill; one that merely slows down more than fourfold within a single piece may be
/// cut off although it was still creeping forward — the approximation docs/files-protocol.md describes.
/// </summary>
internal sealed class ChunkSizer(int min, int max, TimeSpan gap)
{
    private long _started;

    public int Next { get; private set; } = Math.Clamp(256 * 1024, min, max);

    public void Starting() => _started = Stopwatch.GetTimestamp();

    public void Finished()
    {
        var took = Stopwatch.GetElapsedTime(_started);
        if (took < gap / 8)
        {
            Next = (int)Math.Min((long)Next * 2, max);
        }
        else if (took > gap / 4)
        {
            Next = Math.Max(Next / 2, min);
        }
    }
}
