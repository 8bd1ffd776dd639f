using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Files;

/// <summary>Sends the FileResponse header and the file's bytes, under the gap rule, by one of two paths.</summary>
internal static class FileSender
{
    private const string What = "file data";

    /// <summary>Bytes read from the file per flush on the buffered path (Kestrel's output pipe pauses at 64 KiB).</summary>
    private const int BufferedChunk = 32 * 1024;

    /// <summary>How long a failed send waits for Kestrel to say why the connection went (reset, abort).</summary>
    private static readonly TimeSpan CauseWait = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// The largest piece one send carries when the reader's acknowledgements are visible: the whole file
    /// up to this size (SendPacketsElement counts in int), so a 1 GiB download is one send.
    /// </summary>
    private const int WholePiece = 1 << 30;

    /// <summary>
    /// Zero-copy: header and file go through <c>SendPacketsAsync</c> (sendfile on Linux) straight on the
    /// socket. Nothing may be written to the connection's output pipe meanwhile, or bytes would interleave:
    /// the header therefore travels as the first packet of the first send.
    /// </summary>
    /// <remarks>
    /// Where the kernel reports acknowledgements (TCP_INFO), the watchdog sees progress while a send is
    /// pending, so the file goes in one send: the socket engine then makes one sendfile per writable event
    /// and nothing else, where pieces cost a completion, a thread-pool hop, a watchdog wait and the
    /// runtime's fstat and lseek each. Only without TCP_INFO is the file cut into pieces sized by
    /// <see cref="ChunkSizer"/>, because a completed piece is then the only progress signal.
    /// </remarks>
    /// <param name="wholeFile">One send for the whole file where the watchdog sees acknowledgements (false: always pieces).</param>
    /// <returns>File bytes sent (the header not counted).</returns>
    public static async Task<long> SendZeroCopyAsync(
        Socket socket, ConnectionContext connection, byte[] header, FileStream file, long length,
        SendWatchdog watchdog, ChunkSizer sizer, bool wholeFile, Action<long> sent)
    {
        using var args = new SocketAsyncEventArgs();
        var completion = new SendCompletion(args);
        var whole = wholeFile && watchdog.SeesAcks();
        // Corked, the kernel sends only full segments, whatever the socket's TCP_NODELAY: measured on loopback,
        // 64 KiB segments instead of 53 KiB, so fewer segments for both ends to process. Uncorked at the end
        // to push the tail at once; a failed send closes the connection, which pushes or drops it anyway.
        var corked = TcpCork.TrySet(socket, true);
        long offset = 0;
        var first = true;
        while (first || offset < length)
        {
            var count = (int)Math.Min(whole ? WholePiece : sizer.Next, length - offset);
            SendPacketsElement[] elements = (first, count > 0) switch
            {
                (true, true) => [new SendPacketsElement(header), new SendPacketsElement(file, offset, count, endOfPacket: false)],
                (true, false) => [new SendPacketsElement(header)],
                _ => [new SendPacketsElement(file, offset, count, endOfPacket: false)],
            };
            var headerBytes = first ? header.Length : 0;
            var expected = count + headerBytes;
            sizer.Starting();
            int transferred;
            var send = completion.SendAsync(socket, elements);
            var stalled = await watchdog.WatchAsync(send).ConfigureAwait(false);
            if (stalled)
            {
                var abort = await AbortAsync(connection, send, watchdog.Timer).ConfigureAwait(false);
                sent(Acknowledged(watchdog, header.Length, offset, count));
                throw abort;
            }
            try
            {
                transferred = await send.ConfigureAwait(false);
            }
            catch (Exception e) when (ConnectionLostException.IsNetworkFailure(e))
            {
                sent(Acknowledged(watchdog, header.Length, offset, count));
                throw await LostAsync(connection, e).ConfigureAwait(false);
            }
            sizer.Finished();
            if (transferred != expected)
            {
                // sendfile stops early at end of file: the file shrank after it was measured.
                sent(offset + Math.Max(0, transferred - headerBytes));
                throw new FileChangedException($"the file shrank while being sent ({offset + transferred - headerBytes} of {length} bytes)");
            }
            offset += count;
            first = false;
            sent(offset);
        }
        if (corked)
        {
            TcpCork.TrySet(socket, false);
        }
        return offset;
    }

    /// <summary>
    /// How far a failed piece got, as the file bytes the reader acknowledged: at least the pieces already
    /// completed, at most the one that failed.
    /// </summary>
    private static long Acknowledged(SendWatchdog watchdog, int headerLength, long offset, int count)
    {
        var acked = watchdog.AckedSoFar();
        return acked < 0 ? offset : Math.Clamp(acked - headerLength, offset, offset + count);
    }

    /// <summary>The network failure as the short reason the server's "connection lost after ..." line ends with.</summary>
    private static async Task<ConnectionLostException> LostAsync(ConnectionContext connection, Exception e)
    {
        // A reset is usually seen first by Kestrel's receive loop, which then aborts the socket, so the send
        // itself reports only "aborted"; the real cause is what Kestrel completes the input pipe with, just after.
        using var briefly = new CancellationTokenSource(CauseWait);
        try
        {
            var input = connection.Transport.Input;
            var result = await input.ReadAsync(briefly.Token).ConfigureAwait(false);
            input.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
        catch (Exception cause) when (ConnectionLostException.IsNetworkFailure(cause))
        {
            return new ConnectionLostException(ConnectionLostException.Describe(cause), e);
        }
        catch (Exception quiet) when (quiet is OperationCanceledException or InvalidOperationException)
        {
            // The input said nothing in time (or was already completed): the send's own error is all there is.
        }
        return new ConnectionLostException(ConnectionLostException.Describe(e), e);
    }

    /// <summary>
    /// Portable path: header, then the file read piece by piece into the connection's output pipe. Each
    /// flush is watched like a zero-copy send, because a flush completes only when the kernel wakes the
    /// writer, which it does after a third of the socket buffer has drained, not after each byte.
    /// </summary>
    public static async Task<long> SendBufferedAsync(
        ConnectionContext connection, byte[] header, FileStream file, long length, SendWatchdog watchdog, Action<long> sent)
    {
        var output = connection.Transport.Output;
        output.Write(header);
        long offset = 0;
        do
        {
            var want = (int)Math.Min(BufferedChunk, length - offset);
            if (want > 0)
            {
                var memory = output.GetMemory(want)[..want];
                var n = await RandomAccess.ReadAsync(file.SafeFileHandle, memory, offset).ConfigureAwait(false);
                if (n == 0)
                {
                    throw new FileChangedException($"the file shrank while being sent ({offset} of {length} bytes)");
                }
                output.Advance(n);
                offset += n;
            }
            var flush = output.FlushAsync().AsTask();
            if (await watchdog.WatchAsync(flush).ConfigureAwait(false))
            {
                throw await AbortAsync(connection, flush, watchdog.Timer).ConfigureAwait(false);
            }
            FlushResult flushed;
            try
            {
                flushed = await flush.ConfigureAwait(false);
            }
            catch (Exception e) when (ConnectionLostException.IsNetworkFailure(e))
            {
                throw await LostAsync(connection, e).ConfigureAwait(false);
            }
            if (flushed.IsCompleted)
            {
                // Kestrel completes the pipe when its socket loop has seen the peer go.
                throw await LostAsync(connection, new ConnectionLostException("closed by the peer")).ConfigureAwait(false);
            }
            sent(offset);
        }
        while (offset < length);
        return offset;
    }

    /// <summary>Closes the connection to fail a send stalled past the gap, and describes why in the shared gap wording.</summary>
    private static async Task<PeerTimeoutException> AbortAsync(ConnectionContext connection, Task pending, GapTimer timer)
    {
        // A pending send cannot be cancelled on its own; closing the connection fails it, which is what
        // the gap rule asks for anyway.
        connection.Abort(new ConnectionAbortedException("gap rule: the reader stopped taking data"));
        await pending.ContinueWith(static _ => { }, TaskScheduler.Default).ConfigureAwait(false);
        return timer.Expired($"sending {What}");
    }

    /// <summary>Awaits one <c>SendPacketsAsync</c> at a time on a reused <see cref="SocketAsyncEventArgs"/>.</summary>
    private sealed class SendCompletion
    {
        private readonly SocketAsyncEventArgs _args;
        private TaskCompletionSource<int>? _pending;

        public SendCompletion(SocketAsyncEventArgs args)
        {
            _args = args;
            _args.Completed += (_, e) => Complete(e);
        }

        public Task<int> SendAsync(Socket socket, SendPacketsElement[] elements)
        {
            var pending = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            _pending = pending;
            _args.SendPacketsElements = elements;
            try
            {
                if (!socket.SendPacketsAsync(_args))
                {
                    Complete(_args);
                }
            }
            catch (NotSupportedException e) when (!socket.Connected)
            {
                // Kestrel's receive loop saw the peer reset first and the socket now counts as not connected:
                // the same lost connection as a failed send, just noticed one step earlier.
                pending.TrySetException(new SocketException((int)SocketError.ConnectionReset, e.Message));
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                // Kestrel disposed the socket (abort, shutdown) between two sends, or the send failed at once.
                pending.TrySetException(e);
            }
            return pending.Task;
        }

        private void Complete(SocketAsyncEventArgs e)
        {
            var pending = _pending!;
            if (e.SocketError == SocketError.Success)
            {
                pending.TrySetResult(e.BytesTransferred);
            }
            else
            {
                pending.TrySetException(new SocketException((int)e.SocketError));
            }
        }
    }
}
