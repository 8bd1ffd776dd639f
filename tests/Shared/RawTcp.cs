using System.Net;
using System.Net.Sockets;

namespace Switchboard.Tests.Shared;

/// <summary>A bare socket peer for driving servers byte by byte and observing exactly what they send.</summary>
public sealed class RawTcp : IAsyncDisposable
{
    private RawTcp(Socket socket) => Socket = socket;

    public Socket Socket { get; }

    /// <summary>Wraps a connected socket (e.g. one a test listener accepted); takes ownership.</summary>
    public static RawTcp Wrap(Socket socket) => new(socket);

    public static async Task<RawTcp> ConnectAsync(int port, IPAddress? address = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(new IPEndPoint(address ?? IPAddress.Loopback, port)).Within();
        return new RawTcp(socket);
    }

    public async Task SendAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var n = await Socket.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[n..];
        }
    }

    /// <summary>Sends one byte per send call, to prove a reader reassembles.</summary>
    public async Task SendByteByByteAsync(ReadOnlyMemory<byte> bytes)
    {
        for (var i = 0; i < bytes.Length; i++)
        {
            await SendAsync(bytes.Slice(i, 1));
        }
    }

    /// <summary>Reads until the server closes, cleanly or by reset (or the deadline), returning everything received.</summary>
    public async Task<byte[]> ReadToEndAsync(TimeSpan? limit = null) => (await Socket.ReadUntilClosedAsync(limit)).Received;

    /// <summary>Reads exactly <paramref name="count"/> bytes.</summary>
    public async Task<byte[]> ReadExactlyAsync(int count, TimeSpan? limit = null)
    {
        using var cts = new CancellationTokenSource(limit ?? Deadline.Default);
        var result = new byte[count];
        var read = 0;
        while (read < count)
        {
            var n = await Socket.ReceiveAsync(result.AsMemory(read), SocketFlags.None, cts.Token);
            if (n == 0)
            {
                throw new EndOfStreamException($"closed after {read} of {count} bytes");
            }
            read += n;
        }
        return result;
    }

    /// <summary>True when the server has closed the connection (EOF or reset) within the deadline.</summary>
    public async Task<bool> ClosedByPeerAsync(TimeSpan? limit = null)
    {
        var rest = await ReadToEndAsync(limit);
        return rest.Length == 0;
    }

    public void ShutdownSend() => Socket.Shutdown(SocketShutdown.Send);

    public ValueTask DisposeAsync()
    {
        Socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
