using System.Buffers;
using System.IO.Pipelines;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Files;

/// <summary>Sends the FileResponse header and the file's bytes, under the gap rule, by one of two paths.</summary>
internal static class FileSender
{
    private const string What = "file data";

    /// <summary>
    /// Zero-copy: header and file go through <c>SendPacketsAsync</c> (sendfile on Linux) straight on the
    /// socket. Nothing may be written to the connection's output pipe meanwhile, or bytes would interleave:
    /// the header therefore travels as the first packet of the first send.
    /// </summary>
    /// <returns>File bytes sent (the header not counted).</returns>
    public static async Task<long> SendZeroCopyAsync(
        Socket socket, ConnectionContext connection, byte[] header, FileStream file, long length,
        GapTimer timer, ChunkSizer sizer, Action<long> sent)
    {
        using var args = new SocketAsyncEventArgs();
        var completion = new SendCompletion(args);
        // A stalled send cannot be cancelled on its own; closing the connection fails it, which is what
        // the gap rule asks for anyway.
        using var onExpiry = timer.Token.Register(() => connection.Abort(new ConnectionAbortedException("gap rule: the reader stopped taking data")));
        long offset = 0;
        var first = true;
        while (first || offset < length)
        {
            var count = (int)Math.Min(sizer.Next, length - offset);
            SendPacketsElement[] elements = (first, count > 0) switch
            {
                (true, true) => [new SendPacketsElement(header), new SendPacketsElement(file, offset, count, endOfPacket: false)],
                (true, false) => [new SendPacketsElement(header)],
                _ => [new SendPacketsElement(file, offset, count, endOfPacket: false)],
            };
            var expected = count + (first ? header.Length : 0);
            timer.Restart();
            sizer.Starting();
            int transferred;
            try
            {
                transferred = await completion.SendAsync(socket, elements).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (timer.HasExpired)
                {
                    throw timer.Expired($"sending {What}");
                }
                throw new PeerClosedException($"connection lost while sending {What} after {offset} bytes: {e.Message}");
            }
            if (timer.HasExpired)
            {
                throw timer.Expired($"sending {What}");
            }
            timer.Pause();
            sizer.Finished();
            if (transferred != expected)
            {
                // sendfile stops early at end of file: the file shrank after it was measured.
                throw new FileChangedException($"the file shrank while being sent ({offset + transferred - (first ? header.Length : 0)} of {length} bytes)");
            }
            offset += count;
            first = false;
            sent(offset);
        }
        return offset;
    }

    /// <summary>Portable path: header, then the file read piece by piece into the output pipe, each flush gap-timed.</summary>
    public static async Task<long> SendBufferedAsync(
        PipeWriter output, byte[] header, FileStream file, long length, GapTimer timer, ChunkSizer sizer, Action<long> sent)
    {
        output.Write(header);
        long offset = 0;
        while (offset < length)
        {
            var want = (int)Math.Min(sizer.Next, length - offset);
            var memory = output.GetMemory(want)[..want];
            var n = await RandomAccess.ReadAsync(file.SafeFileHandle, memory, offset, timer.Token).ConfigureAwait(false);
            if (n == 0)
            {
                throw new FileChangedException($"the file shrank while being sent ({offset} of {length} bytes)");
            }
            output.Advance(n);
            sizer.Starting();
            await output.FlushWithGapAsync(timer, What).ConfigureAwait(false);
            sizer.Finished();
            offset += n;
            sent(offset);
        }
        if (length == 0)
        {
            await output.FlushWithGapAsync(timer, "FileResponse").ConfigureAwait(false);
        }
        return offset;
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
            if (!socket.SendPacketsAsync(_args))
            {
                Complete(_args);
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
