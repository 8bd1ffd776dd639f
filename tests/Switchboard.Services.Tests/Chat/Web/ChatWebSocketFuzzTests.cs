using System.Buffers.Binary;
using System.Net.WebSockets;
using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;
using Switchboard.Services.Chat.Web;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Chat;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Chat.Web;

/// <summary>
/// Hostile input on the web port: random, mutated, oversized and truncated frames, in random WebSocket messages and
/// fragments (binary and text), from browsers that close or simply vanish. Nothing may be logged as an internal
/// error, every such connection must end, and afterwards a browser and a terminal user still chat.
/// More records: <c>SWITCHBOARD_FUZZ_RECORDS=20000 dotnet test tests/Switchboard.Services.Tests --filter ChatWebSocketFuzz</c>;
/// replay a run with <c>SWITCHBOARD_FUZZ_SEED</c>.
/// </summary>
public sealed class ChatWebSocketFuzzTests(ITestOutputHelper output)
{
    // A WebSocket connection costs more than a raw one (an HTTP upgrade), so a tenth of the TCP fuzz's records.
    private static int Records => (int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_RECORDS"), out var n) && n > 0 ? n : 3000) / 10;

    [Fact]
    public async Task Garbage_messages_on_the_web_port_cause_no_internal_error_and_the_room_still_works()
    {
        await using var server = await ChatWebTestServer.StartAsync(new ChatServerOptions
        {
            Limits = new TransportLimits { GapTimeout = TimeSpan.FromSeconds(2) },
            UsernameTimeout = TimeSpan.FromSeconds(5),
        });
        var seed = int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_SEED"), out var s) ? s : Environment.TickCount;
        var records = Records;
        var next = -1;
        var connections = 0;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(async worker =>
        {
            var random = new Random(seed + worker);
            while (Interlocked.Increment(ref next) < records)
            {
                Interlocked.Increment(ref connections);
                await OneBrowserAsync(server, random);
            }
        })).Within(TimeSpan.FromMinutes(5));
        await Deadline.Until(() => server.Room.ActiveParticipants == 0, "every fuzzing browser gone", TimeSpan.FromSeconds(30));

        var internalErrors = server.Logs.Lines.Count(ChatFuzzTests.IsInternalError);
        output.WriteLine($"seed {seed}: {records} browsers on {connections} connections; {internalErrors} internal errors, " +
            $"{server.Logs.Lines.Count(l => l.Contains("rejected", StringComparison.Ordinal))} rejections logged");
        internalErrors.ShouldBe(0, $"seed {seed}:\n" + string.Join("\n", server.Logs.Lines.Where(ChatFuzzTests.IsInternalError).Take(5)));

        await using var browser = await WebChatPeer.JoinAsync(server, "browser");
        await using var terminal = await server.JoinAsync("terminal");
        await browser.SendAsync("still chatting after the fuzz");
        await terminal.ReceiveUntilAsync(ChatLines.Public("browser", "still chatting after the fuzz"));
        await browser.ReceiveUntilAsync(ChatLines.Public("browser", "still chatting after the fuzz"));
    }

    /// <summary>One browser: connects from the page's origin, sends one to six hostile messages, then closes or just goes.</summary>
    private static async Task OneBrowserAsync(ChatWebTestServer server, Random random)
    {
        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("Origin", $"http://127.0.0.1:{server.WebPort}");
        // A hostile browser gets no more patience than a few seconds per connection; the server may close on it any time.
        using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await socket.ConnectAsync(server.WebSocketUri, bound.Token);
            var draining = DrainAsync(socket, bound.Token);
            if (random.Next(4) != 0)
            {
                // Mostly past the username, so the garbage reaches the conversation too.
                await SendAsync(socket, ChatFrameCodec.Encode($"fz{random.Next(1_000_000)}"), WebSocketMessageType.Binary, random, bound.Token);
            }
            for (var i = random.Next(1, 7); i > 0; i--)
            {
                var type = random.Next(12) == 0 ? WebSocketMessageType.Text : WebSocketMessageType.Binary;
                await SendAsync(socket, HostileMessage(random), type, random, bound.Token);
            }
            if (random.Next(2) == 0)
            {
                await socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, bound.Token);
            }
            else
            {
                // Gone without a close message, as a closed tab or a dropped network does.
                socket.Abort();
            }
            await draining;
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or IOException or ObjectDisposedException)
        {
            // The server closing on garbage is the point; anything it does wrong shows in its logs and the final chat.
        }
    }

    /// <summary>A message sent whole or in random fragments.</summary>
    private static async Task SendAsync(ClientWebSocket socket, byte[] message, WebSocketMessageType type, Random random, CancellationToken ct)
    {
        var sent = 0;
        do
        {
            var remaining = message.Length - sent;
            var piece = remaining > 1 && random.Next(3) == 0 ? random.Next(1, remaining) : remaining;
            await socket.SendAsync(message.AsMemory(sent, piece), type, endOfMessage: sent + piece == message.Length, ct);
            sent += piece;
        }
        while (sent < message.Length);
    }

    private static byte[] HostileMessage(Random random)
    {
        switch (random.Next(7))
        {
            case 0:
                return [];
            case 1:
                return RandomBytes(random, random.Next(1, 64));
            case 2:
            {
                // A header that claims more or less than follows.
                var body = RandomBytes(random, random.Next(0, 64));
                var message = new byte[ChatWire.HeaderSize + body.Length];
                BinaryPrimitives.WriteUInt32BigEndian(message, (uint)random.Next(0, 200));
                body.CopyTo(message, ChatWire.HeaderSize);
                return message;
            }
            case 3:
            {
                // datalen far past the limit, or the whole message past the WebSocket bound.
                var message = RandomBytes(random, random.Next(2) == 0 ? 8 : WebSocketConnection.MaxMessageBytes + random.Next(1, 5000));
                BinaryPrimitives.WriteUInt32BigEndian(message, (uint)random.Next(ChatWire.MaxClientDataBytes + 1, int.MaxValue));
                return message;
            }
            case 4:
            {
                // Invalid UTF-8 in a well-formed frame: a lead byte with no continuation.
                var frame = ChatFrameCodec.Encode("x");
                frame[^1] = 0xC3;
                return frame;
            }
            case 5:
                // Several frames in one message.
                return [.. ChatFrameCodec.Encode("one"), .. ChatFrameCodec.Encode("@nobody two"), .. ChatFrameCodec.Encode("/who")];
            default:
            {
                var frame = ChatFrameCodec.Encode(new string('a', random.Next(0, 1100)));
                return random.Next(2) == 0 ? frame : frame[..random.Next(0, frame.Length)];
            }
        }
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    /// <summary>Reads and drops what the server sends, so the browser is never cut off as a slow reader and sees the server's close.</summary>
    private static async Task DrainAsync(ClientWebSocket socket, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            while (socket.State is WebSocketState.Open or WebSocketState.CloseSent)
            {
                var result = await socket.ReceiveAsync(buffer, ct);
                if (result.MessageType == WebSocketMessageType.Close)
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is WebSocketException or OperationCanceledException or ObjectDisposedException)
        {
        }
    }
}
