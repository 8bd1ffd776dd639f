using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchboard.Protocol.Chat;

namespace Switchboard.Tests.Shared.Chat;

/// <summary>A chat client at the byte level, for driving the server and seeing exactly which frames it sends.</summary>
internal sealed class ChatPeer : IAsyncDisposable
{
    private readonly Socket _socket;
    private byte[] _pending = new byte[64 * 1024];
    private int _start;
    private int _end;

    private ChatPeer(Socket socket) => _socket = socket;

    public string Name { get; private set; } = string.Empty;

    public string Code { get; private set; } = string.Empty;

    public Socket Socket => _socket;

    /// <summary>Connects without reading anything.</summary>
    public static async Task<ChatPeer> ConnectAsync(int port, int? receiveBuffer = null)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        if (receiveBuffer is { } size)
        {
            socket.ReceiveBufferSize = size;
        }
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).Within();
        return new ChatPeer(socket);
    }

    /// <summary>Connects and expects <c>accept</c>.</summary>
    public static async Task<ChatPeer> AcceptedAsync(int port)
    {
        var peer = await ConnectAsync(port);
        (await peer.ReceiveAsync()).ShouldBe(ChatCodes.Accept);
        return peer;
    }

    /// <summary>Connects, takes <paramref name="name"/>, reads the pairing code and its own join line.</summary>
    public static async Task<ChatPeer> JoinAsync(int port, string name)
    {
        var peer = await AcceptedAsync(port);
        await peer.SendAsync(name);
        (await peer.ReceiveAsync()).ShouldBe(ChatCodes.UsernameAccepted);
        ChatCodes.TryParsePairingCode(await peer.ReceiveAsync(), out var code).ShouldBeTrue();
        (await peer.ReceiveAsync()).ShouldBe(ChatLines.Joined(name));
        peer.Name = name;
        peer.Code = code;
        return peer;
    }

    /// <summary>Connects to the observer port and pairs with <paramref name="participant"/>; reads the observer-joined line.</summary>
    public static async Task<ChatPeer> ObserveAsync(int observerPort, ChatPeer participant)
    {
        var observer = await AcceptedAsync(observerPort);
        await observer.SendAsync($"{participant.Name} {participant.Code}");
        (await observer.ReceiveAsync()).ShouldBe(ChatCodes.ObserverAccepted);
        (await observer.ReceiveAsync()).ShouldBe(ChatLines.ObserverJoined);
        observer.Name = participant.Name;
        return observer;
    }

    public Task SendAsync(string text) => SendRawAsync(ChatFrameCodec.Encode(text));

    public async Task SendRawAsync(ReadOnlyMemory<byte> bytes)
    {
        while (!bytes.IsEmpty)
        {
            var n = await _socket.SendAsync(bytes, SocketFlags.None);
            bytes = bytes[n..];
        }
    }

    public async Task SendByteByByteAsync(string text)
    {
        var bytes = ChatFrameCodec.Encode(text);
        for (var i = 0; i < bytes.Length; i++)
        {
            await SendRawAsync(bytes.AsMemory(i, 1));
        }
    }

    /// <summary>The next frame's text; fails if the connection closes first or nothing comes within the deadline.</summary>
    public async Task<string> ReceiveAsync(TimeSpan? limit = null)
    {
        var frame = await TryReceiveAsync(limit);
        return frame ?? throw new EndOfStreamException("the server closed the connection instead of sending a frame");
    }

    /// <summary>The next frame's text, or null when the server closes cleanly between frames.</summary>
    public async Task<string?> TryReceiveAsync(TimeSpan? limit = null)
    {
        var raw = await TryReceiveRawAsync(limit);
        return raw is null ? null : Encoding.UTF8.GetString(raw, 4, raw.Length - 4);
    }

    /// <summary>The next frame exactly as it arrived, header included, or null when the server closes cleanly between frames.</summary>
    public async Task<byte[]?> TryReceiveRawAsync(TimeSpan? limit = null)
    {
        using var cts = new CancellationTokenSource(limit ?? Deadline.Default);
        while (true)
        {
            var available = _end - _start;
            if (available >= 4)
            {
                var length = (int)BinaryPrimitives.ReadUInt32BigEndian(_pending.AsSpan(_start));
                if (available >= 4 + length)
                {
                    var frame = _pending.AsSpan(_start, 4 + length).ToArray();
                    _start += 4 + length;
                    return frame;
                }
                if (_pending.Length < 4 + length)
                {
                    Array.Resize(ref _pending, 4 + length);
                }
            }
            if (_start > 0)
            {
                Buffer.BlockCopy(_pending, _start, _pending, 0, available);
                _start = 0;
                _end = available;
            }
            int n;
            try
            {
                n = await _socket.ReceiveAsync(_pending.AsMemory(_end), SocketFlags.None, cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"no frame within {(limit ?? Deadline.Default).TotalSeconds} s");
            }
            catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
            {
                n = 0;
            }
            if (n == 0)
            {
                available.ShouldBe(0, "the server closed in the middle of a frame");
                return null;
            }
            _end += n;
        }
    }

    /// <summary>Reads frames until <paramref name="expected"/>, failing if the connection closes first; returns the frames skipped.</summary>
    public async Task<List<string>> ReceiveUntilAsync(string expected)
    {
        var skipped = new List<string>();
        while (true)
        {
            var frame = await ReceiveAsync();
            if (frame == expected)
            {
                return skipped;
            }
            skipped.Add(frame);
        }
    }

    /// <summary>Expects the server to close (after any frames, which are returned).</summary>
    public async Task<List<string>> ReceiveUntilClosedAsync(TimeSpan? limit = null)
    {
        var frames = new List<string>();
        while (await TryReceiveAsync(limit) is { } frame)
        {
            frames.Add(frame);
        }
        return frames;
    }

    /// <summary>The exact bytes of the next frame (header included), as received.</summary>
    public async Task<byte[]> ReceiveBytesAsync() =>
        await TryReceiveRawAsync() ?? throw new EndOfStreamException("the server closed the connection instead of sending a frame");

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
