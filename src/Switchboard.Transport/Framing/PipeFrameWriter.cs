using System.Buffers;
using System.IO.Pipelines;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Transport.Framing;

/// <summary>Flushes under the gap rule; writers emit large responses in chunks so each flush is one unit of progress.</summary>
public static class PipeFrameWriter
{
    /// <summary>
    /// Flushes what was written to <paramref name="writer"/>. Fails with <see cref="PeerTimeoutException"/>
    /// when the peer does not take the bytes within one gap, and with <see cref="PeerClosedException"/>
    /// when the connection is gone.
    /// </summary>
    public static async ValueTask FlushWithGapAsync(this PipeWriter writer, GapTimer timer, string what)
    {
        timer.Restart();
        FlushResult result;
        try
        {
            result = await writer.FlushAsync(timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timer.HasExpired)
        {
            throw timer.Expired($"writing {what}");
        }
        if (result.IsCanceled)
        {
            throw new OperationCanceledException($"writing {what} was cancelled");
        }
        if (result.IsCompleted)
        {
            throw new PeerClosedException($"connection closed while writing {what}");
        }
        timer.Pause();
    }

    /// <summary>Writes <paramref name="bytes"/> in chunks of at most <paramref name="chunkSize"/>, flushing each under the gap rule.</summary>
    public static async ValueTask WriteWithGapAsync(this PipeWriter writer, ReadOnlyMemory<byte> bytes, GapTimer timer, string what, int chunkSize = 64 * 1024)
    {
        while (!bytes.IsEmpty)
        {
            var n = Math.Min(chunkSize, bytes.Length);
            writer.Write(bytes.Span[..n]);
            bytes = bytes[n..];
            await writer.FlushWithGapAsync(timer, what).ConfigureAwait(false);
        }
    }
}
