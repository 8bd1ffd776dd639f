using System.Net;
using System.Net.Sockets;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Files;

/// <summary>A scripted server for one client connection: reads the request, then does whatever the test says.</summary>
internal sealed class FakeFilesServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task _serving;
    private readonly TaskCompletionSource<byte[]> _request = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _stop = new();

    /// <param name="script">Runs after the request has been read; the socket is closed when it returns (unless it keeps it open).</param>
    public FakeFilesServer(Func<Socket, CancellationToken, Task> script)
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _serving = ServeAsync(script);
    }

    public int Port { get; }

    /// <summary>The request bytes the client sent.</summary>
    public Task<byte[]> Request => _request.Task;

    /// <summary>Sends <paramref name="bytes"/> and closes.</summary>
    public static FakeFilesServer Replying(byte[] bytes) => new(async (s, _) => await SendAllAsync(s, bytes));

    /// <summary>Closes with SO_LINGER 0: the kernel sends RST, as when a server process dies or aborts.</summary>
    public static void Reset(Socket socket)
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public static async Task SendAllAsync(Socket socket, byte[] data)
    {
        ReadOnlyMemory<byte> bytes = data;
        while (!bytes.IsEmpty)
        {
            bytes = bytes[await socket.SendAsync(bytes)..];
        }
    }

    private async Task ServeAsync(Func<Socket, CancellationToken, Task> script)
    {
        try
        {
            using var socket = await _listener.AcceptSocketAsync(_stop.Token);
            var header = await ReadExactlyAsync(socket, 5);
            var name = await ReadExactlyAsync(socket, header[3] << 8 | header[4]);
            _request.TrySetResult([.. header, .. name]);
            await script(socket, _stop.Token);
            if (socket.Connected)
            {
                socket.Shutdown(SocketShutdown.Both);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException)
        {
            _request.TrySetException(e);
        }
    }

    private async Task<byte[]> ReadExactlyAsync(Socket socket, int count)
    {
        var bytes = new byte[count];
        for (var read = 0; read < count;)
        {
            var n = await socket.ReceiveAsync(bytes.AsMemory(read), _stop.Token);
            if (n == 0)
            {
                throw new EndOfStreamException();
            }
            read += n;
        }
        return bytes;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _serving.Within();
        _stop.Dispose();
    }
}
