using System.Net;
using System.Net.Sockets;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Echo;

/// <summary>A scripted server for client tests: accepts one connection and lets the test write exactly the bytes it wants.</summary>
internal sealed class FakeEchoPeer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Task<Socket> _accepted;

    public FakeEchoPeer()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen();
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepted = _listener.AcceptAsync();
    }

    public int Port { get; }

    public async Task<Socket> ConnectionAsync()
    {
        var socket = await _accepted.Within();
        socket.NoDelay = true;
        return socket;
    }

    public async Task WriteAsync(byte[] bytes, bool oneByteAtATime = false)
    {
        var socket = await ConnectionAsync();
        if (!oneByteAtATime)
        {
            await socket.SendAsync(bytes);
            return;
        }
        for (var i = 0; i < bytes.Length; i++)
        {
            await socket.SendAsync(bytes.AsMemory(i, 1));
        }
    }

    public async Task CloseConnectionAsync() => (await ConnectionAsync()).Dispose();

    public async ValueTask DisposeAsync()
    {
        _listener.Dispose();
        if (_accepted.IsCompletedSuccessfully)
        {
            (await _accepted).Dispose();
        }
    }
}
