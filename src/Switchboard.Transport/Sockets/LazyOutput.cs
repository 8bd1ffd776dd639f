using System.IO.Pipelines;

namespace Switchboard.Transport.Sockets;

/// <summary>
/// A connection's output as its handler sees it: the pipe behind it and the loop that sends from that pipe are made
/// on the first write, so a connection that only waits for input (most idle ones) holds neither (about 700 bytes).
/// Every call is passed to the pipe's writer unchanged; a flush also starts the sender, which runs only while there
/// is something to send.
/// </summary>
internal sealed class LazyOutput(DirectSocketConnection connection) : PipeWriter
{
    private PipeWriter Writer => connection.OutputWriter();

    public override bool CanGetUnflushedBytes => true;

    public override long UnflushedBytes => connection.OutputIfStarted()?.UnflushedBytes ?? 0;

    public override void Advance(int bytes) => Writer.Advance(bytes);

    public override Memory<byte> GetMemory(int sizeHint = 0) => Writer.GetMemory(sizeHint);

    public override Span<byte> GetSpan(int sizeHint = 0) => Writer.GetSpan(sizeHint);

    // The flush makes the bytes readable; the sender then runs (inline) until they are sent or the socket is full.
    public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default)
    {
        var flushed = Writer.FlushAsync(cancellationToken);
        connection.KickSender();
        return flushed;
    }

    public override ValueTask<FlushResult> WriteAsync(ReadOnlyMemory<byte> source, CancellationToken cancellationToken = default)
    {
        var flushed = Writer.WriteAsync(source, cancellationToken);
        connection.KickSender();
        return flushed;
    }

    // A pipe cancels the next flush when none is pending, so even before any write this needs the pipe.
    public override void CancelPendingFlush() => Writer.CancelPendingFlush();

    public override void Complete(Exception? exception = null) => connection.CompleteOutput(exception);

    public override ValueTask CompleteAsync(Exception? exception = null)
    {
        connection.CompleteOutput(exception);
        return ValueTask.CompletedTask;
    }
}
