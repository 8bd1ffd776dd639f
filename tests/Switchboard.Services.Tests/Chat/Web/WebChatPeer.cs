using System.Buffers.Binary;
using System.Net.WebSockets;
using System.Text;
using Switchboard.Protocol.Chat;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Chat;

namespace Switchboard.Services.Tests.Chat.Web;

/// <summary>A chat participant over the web port's WebSocket, at the message level: what a browser page does, without the page.</summary>
internal sealed class WebChatPeer : IAsyncDisposable
{
    private readonly ClientWebSocket _socket;

    private WebChatPeer(ClientWebSocket socket) => _socket = socket;

    public WebSocket Socket => _socket;

    /// <param name="origin">The <c>Origin</c> header, as a browser would send it; null sends none.</param>
    public static async Task<WebChatPeer> ConnectAsync(Uri uri, string? origin)
    {
        var socket = new ClientWebSocket();
        if (origin is not null)
        {
            socket.Options.SetRequestHeader("Origin", origin);
        }
        await socket.ConnectAsync(uri, CancellationToken.None).Within();
        return new WebChatPeer(socket);
    }

    /// <summary>Connects from the page's own origin, takes <paramref name="name"/>, reads the pairing code and its own join line.</summary>
    public static async Task<WebChatPeer> JoinAsync(ChatWebTestServer server, string name)
    {
        var peer = await ConnectAsync(server.WebSocketUri, $"http://127.0.0.1:{server.WebPort}");
        (await peer.ReceiveAsync()).ShouldBe(ChatCodes.Accept);
        await peer.SendAsync(name);
        (await peer.ReceiveAsync()).ShouldBe(ChatCodes.UsernameAccepted);
        ChatCodes.TryParsePairingCode(await peer.ReceiveAsync(), out _).ShouldBeTrue();
        (await peer.ReceiveAsync()).ShouldBe(ChatLines.Joined(name));
        return peer;
    }

    /// <summary>Sends <paramref name="text"/> as one frame in one binary message.</summary>
    public Task SendAsync(string text) => SendRawAsync(ChatFrameCodec.Encode(text));

    public Task SendRawAsync(ReadOnlyMemory<byte> message, WebSocketMessageType type = WebSocketMessageType.Binary) =>
        _socket.SendAsync(message, type, endOfMessage: true, CancellationToken.None).AsTask().Within();

    /// <summary>The next message, which must be exactly one frame; its text.</summary>
    public async Task<string> ReceiveAsync()
    {
        var message = await ReceiveMessageAsync() ?? throw new EndOfStreamException("the server closed the WebSocket instead of sending a frame");
        message.Length.ShouldBeGreaterThanOrEqualTo(4);
        BinaryPrimitives.ReadUInt32BigEndian(message).ShouldBe((uint)(message.Length - 4), "a message carries exactly one frame");
        return Encoding.UTF8.GetString(message, 4, message.Length - 4);
    }

    /// <summary>Reads messages until <paramref name="expected"/>; returns those skipped.</summary>
    public async Task<List<string>> ReceiveUntilAsync(string expected)
    {
        var skipped = new List<string>();
        while (await ReceiveAsync() is var text && text != expected)
        {
            skipped.Add(text);
        }
        return skipped;
    }

    /// <summary>One whole binary message, or null once the server has closed (its close status is then in <see cref="WebSocket.CloseStatus"/>).</summary>
    public async Task<byte[]?> ReceiveMessageAsync()
    {
        using var message = new MemoryStream();
        var buffer = new byte[8192];
        while (true)
        {
            WebSocketReceiveResult result;
            try
            {
                result = await _socket.ReceiveAsync(buffer, CancellationToken.None).Within();
            }
            catch (WebSocketException)
            {
                return null;
            }
            if (result.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            result.MessageType.ShouldBe(WebSocketMessageType.Binary);
            message.Write(buffer, 0, result.Count);
            if (result.EndOfMessage)
            {
                return message.ToArray();
            }
        }
    }

    /// <summary>Expects the server to close; returns the texts of any frames before that.</summary>
    public async Task<List<string>> ReceiveUntilClosedAsync()
    {
        var frames = new List<string>();
        while (await ReceiveMessageAsync() is { } message)
        {
            frames.Add(Encoding.UTF8.GetString(message, 4, message.Length - 4));
        }
        return frames;
    }

    public async ValueTask DisposeAsync()
    {
        if (_socket.State == WebSocketState.Open)
        {
            try
            {
                await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, CancellationToken.None).Within();
            }
            catch (Exception e) when (e is WebSocketException or TimeoutException)
            {
                // Gone already.
            }
        }
        _socket.Dispose();
    }
}
