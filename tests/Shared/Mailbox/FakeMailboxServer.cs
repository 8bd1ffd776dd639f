using System.Buffers;
using System.Net;
using System.Net.Sockets;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Tests.Shared.Mailbox;

/// <summary>
/// Accepts one connection, decodes the client's request, then plays a scripted reply — including
/// wrong, short and stalled ones a real server would never send.
/// </summary>
public sealed class FakeMailboxServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Task<MessageRequest> _served;
    private readonly TaskCompletionSource<MessageRequest> _received = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <param name="reply">Writes the reply on the accepted socket; the connection is closed when it returns.</param>
    public FakeMailboxServer(Func<Socket, Task> reply)
    {
        _listener.Start();
        _served = ServeAsync(reply);
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The request the client sent; completes after the scripted reply.</summary>
    public Task<MessageRequest> Request => _served;

    /// <summary>Completes as soon as the whole request has arrived, before the reply starts.</summary>
    public Task<MessageRequest> Received => _received.Task;

    private async Task<MessageRequest> ServeAsync(Func<Socket, Task> reply)
    {
        using var socket = await _listener.AcceptSocketAsync();
        var received = new List<byte>();
        var buffer = new byte[4096];
        MessageRequest? request = null;
        while (request is null)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            if (n == 0)
            {
                throw new InvalidOperationException("client closed before sending a whole request");
            }
            received.AddRange(buffer.AsSpan(0, n));
            var status = MessageRequestCodec.Instance.TryDecode(new ReadOnlySequence<byte>(received.ToArray()), out var decoded, out _, out var error);
            if (status == DecodeStatus.Invalid)
            {
                throw new InvalidOperationException($"client sent a malformed request: {error}");
            }
            if (status == DecodeStatus.Complete)
            {
                request = decoded;
            }
        }
        _received.TrySetResult(request);
        await reply(socket);
        if (socket.Connected)
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        return request;
    }

    /// <summary>Sends <paramref name="bytes"/> and closes.</summary>
    public static Func<Socket, Task> Replies(byte[] bytes) => async s => await s.SendAsync(bytes, SocketFlags.None);

    /// <summary>Sends <paramref name="first"/>, stalls until <paramref name="release"/> completes, then sends <paramref name="rest"/>.</summary>
    public static Func<Socket, Task> Stalls(byte[] first, Task release, byte[] rest) => async s =>
    {
        await s.SendAsync(first, SocketFlags.None);
        await release;
        try
        {
            await s.SendAsync(rest, SocketFlags.None);
        }
        catch (SocketException)
        {
            // The client gave up during the stall, as it should.
        }
    };

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        // Bounded: a test that failed before releasing a stalled reply must not hang the suite.
        await Task.WhenAny(_served, Task.Delay(Switchboard.Tests.Shared.Deadline.Default));
        if (_served.IsFaulted && _served.Exception!.InnerException is not (SocketException or ObjectDisposedException or InvalidOperationException))
        {
            await _served;
        }
    }
}
