using System.Buffers.Binary;
using System.Net;
using System.Net.WebSockets;
using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;
using Switchboard.Services.Chat.Web;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Chat;

namespace Switchboard.Services.Tests.Chat.Web;

/// <summary>The web port without a browser: the page's files and headers, and the WebSocket as a participant like any other.</summary>
public sealed class ChatWebSocketTests
{
    [Fact]
    public async Task The_page_is_served_from_the_assembly_with_its_content_types_and_a_policy_that_allows_only_this_server()
    {
        await using var server = await ChatWebTestServer.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(server.PageUrl) };
        foreach (var (path, type) in new[]
        {
            ("/", "text/html"), ("/index.html", "text/html"), ("/chat.js", "text/javascript"), ("/chat.css", "text/css"), ("/favicon.svg", "image/svg+xml"),
            ("/info.json", "application/json"),
        })
        {
            using var response = await http.GetAsync(path).Within();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, path);
            response.Content.Headers.ContentType!.MediaType.ShouldBe(type, path);
            var policy = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
            policy.ShouldContain("default-src 'none'");
            policy.ShouldContain("script-src 'self'");
            policy.ShouldContain($"connect-src 'self' ws://127.0.0.1:{server.WebPort}");
            response.Headers.GetValues("X-Content-Type-Options").ShouldBe(["nosniff"]);
            // An SVG names its XML namespace with a URL that is never fetched.
            var body = (await response.Content.ReadAsStringAsync()).Replace("xmlns=\"http://www.w3.org/2000/svg\"", "", StringComparison.Ordinal);
            // Nothing from elsewhere: no absolute URL in the page's own files (the page must work offline).
            body.ShouldNotContain("http://", Case.Insensitive, path);
            body.ShouldNotContain("https://", Case.Insensitive, path);
            body.ShouldNotContain("src=\"//", Case.Insensitive, path);
        }
        // Ports chosen by the OS are not known to the page: it then shows a placeholder.
        (await http.GetStringAsync("/info.json")).ShouldBe("{\"port\":null,\"observerPort\":null}");
        (await http.GetAsync("/nothing-here").Within()).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await http.GetAsync("/chat").Within()).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await http.PostAsync("/", new StringContent("x")).Within()).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        // The inline script and style the policy forbids are not used either.
        var html = await http.GetStringAsync("/");
        html.ShouldNotContain("<script>");
        html.ShouldNotContain("style=");
        html.ShouldNotContain("onclick");
    }

    [Fact]
    public async Task A_WebSocket_participant_and_a_terminal_participant_share_the_room_with_one_frame_per_message()
    {
        await using var server = await ChatWebTestServer.StartAsync();
        await using var web = await WebChatPeer.JoinAsync(server, "webby");
        await using var term = await server.JoinAsync("term");
        (await web.ReceiveAsync()).ShouldBe("User term has joined");

        await web.SendAsync("hello terminal");
        (await term.ReceiveBytesAsync()).ShouldBe(ChatFrameCodec.Encode(">      webby: hello terminal"));
        (await web.ReceiveAsync()).ShouldBe(">      webby: hello terminal");
        await term.SendAsync("hello browser");
        (await web.ReceiveAsync()).ShouldBe(">       term: hello browser");
        (await term.ReceiveAsync()).ShouldBe(">       term: hello browser");

        await web.SendAsync("@TERM psst");
        (await term.ReceiveAsync()).ShouldBe("-      webby: @TERM psst");
        (await web.ReceiveAsync()).ShouldBe("-      webby: @TERM psst");
        await term.SendAsync("@webby back");
        (await web.ReceiveAsync()).ShouldBe("-       term: @webby back");
        (await term.ReceiveAsync()).ShouldBe("-       term: @webby back");

        await web.SendAsync("/who");
        (await web.ReceiveAsync()).ShouldBe("Participants (2): webby, term");
        server.Room.ActiveParticipants.ShouldBe(2);

        // Leaving with a WebSocket close is leaving.
        await web.Socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", CancellationToken.None).Within();
        (await term.ReceiveAsync()).ShouldBe("User webby has left");
        await Deadline.Until(() => server.Room.ActiveParticipants == 1, "the room counts one participant");
    }

    [Fact]
    public async Task A_frame_may_arrive_in_several_messages_and_several_frames_in_one()
    {
        await using var server = await ChatWebTestServer.StartAsync();
        await using var term = await server.JoinAsync("term");
        await using var web = await WebChatPeer.ConnectAsync(server.WebSocketUri, origin: null);
        (await web.ReceiveAsync()).ShouldBe(ChatCodes.Accept);
        var bytes = ChatFrameCodec.Encode("split").Concat(ChatFrameCodec.Encode("one")).Concat(ChatFrameCodec.Encode("two")).ToArray();
        await web.SendRawAsync(bytes.AsMemory(0, 3));
        await web.SendRawAsync(bytes.AsMemory(3));
        (await web.ReceiveAsync()).ShouldBe(ChatCodes.UsernameAccepted);
        (await term.ReceiveAsync()).ShouldBe("User split has joined");
        (await term.ReceiveAsync()).ShouldBe(">      split: one");
        (await term.ReceiveAsync()).ShouldBe(">      split: two");
    }

    [Fact]
    public async Task Username_rules_rate_limit_and_the_username_timer_are_the_terminal_ones()
    {
        var options = new ChatServerOptions { RateBurst = 2, RatePerSecond = 0.01, UsernameTimeout = TimeSpan.FromMilliseconds(500) };
        await using var server = await ChatWebTestServer.StartAsync(options);
        await using var alice = await server.JoinAsync("alice");
        await using var web = await WebChatPeer.ConnectAsync(server.WebSocketUri, $"http://127.0.0.1:{server.WebPort}");
        (await web.ReceiveAsync()).ShouldBe(ChatCodes.Accept);
        foreach (var (name, code) in new[] { ("ALICE", ChatCodes.UsernameInUse), ("two words", ChatCodes.UsernameInvalid), ("elevenchars", ChatCodes.UsernameInvalid), ("a\u200Db", ChatCodes.UsernameInvalid) })
        {
            await web.SendAsync(name);
            (await web.ReceiveAsync()).ShouldBe(code, name);
        }
        await web.SendAsync("bob");
        await web.ReceiveUntilAsync("User bob has joined");
        await web.SendAsync("one");
        await web.SendAsync("two");
        await web.SendAsync("three");
        (await web.ReceiveAsync()).ShouldBe(">        bob: one");
        (await web.ReceiveAsync()).ShouldBe(">        bob: two");
        (await web.ReceiveAsync()).ShouldBe(ChatLines.RateLimited(2, 0.01));

        await using var silent = await WebChatPeer.ConnectAsync(server.WebSocketUri, origin: null);
        (await silent.ReceiveAsync()).ShouldBe(ChatCodes.Accept);
        (await silent.ReceiveUntilClosedAsync()).ShouldBe([ChatCodes.UsernameTimeout]);
    }

    [Fact]
    public async Task A_handshake_from_a_foreign_origin_is_refused_with_403_and_the_allowed_ones_are_accepted()
    {
        await using var server = await ChatWebTestServer.StartAsync(web: new ChatWebOptions { AllowedOrigins = ["HTTPS://Chat.Example.org"] });
        var refused = await Should.ThrowAsync<WebSocketException>(() => WebChatPeer.ConnectAsync(server.WebSocketUri, "http://evil.example"));
        refused.Message.ShouldContain("403");
        (await server.Logs.WaitForAsync("WebSocket refused")).ShouldContain("Origin 'http://evil.example'");
        // A look-alike of the page's own origin is another origin.
        await Should.ThrowAsync<WebSocketException>(() => WebChatPeer.ConnectAsync(server.WebSocketUri, $"http://127.0.0.1:{server.WebPort}.evil.example"));
        await Should.ThrowAsync<WebSocketException>(() => WebChatPeer.ConnectAsync(server.WebSocketUri, "null"));
        server.Room.ActiveParticipants.ShouldBe(0);

        foreach (var origin in new[] { $"http://127.0.0.1:{server.WebPort}", "https://chat.example.org" })
        {
            await using var allowed = await WebChatPeer.ConnectAsync(server.WebSocketUri, origin);
            (await allowed.ReceiveAsync()).ShouldBe(ChatCodes.Accept, origin);
        }
    }

    [Fact]
    public void Allowed_origins_that_are_not_origins_are_refused_naming_the_value()
    {
        foreach (var bad in new[] { "chat.example.org", "ftp://x", "http://x/path", "http://x/" })
        {
            Should.Throw<Protocol.InvalidValueException>(() => new ChatWebOptions { AllowedOrigins = [bad] }.Validated()).Message.ShouldContain($"'{bad}'");
        }
        new ChatWebOptions { AllowedOrigins = ["http://Example.org:80", "http://example.org:8080"] }.Validated().AllowedOrigins
            .ShouldBe(["http://example.org", "http://example.org:8080"]);
    }

    [Fact]
    public async Task A_datalen_over_the_limit_closes_the_connection_as_on_TCP()
    {
        await using var server = await ChatWebTestServer.StartAsync();
        await using var web = await WebChatPeer.JoinAsync(server, "big");
        var header = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(header, ChatWire.MaxClientDataBytes + 1);
        await web.SendRawAsync(header);
        (await web.ReceiveUntilClosedAsync()).ShouldBeEmpty();
        (await server.Logs.WaitForAsync("rejected")).ShouldContain("datalen");
    }

    [Fact]
    public async Task A_message_larger_than_one_frame_can_be_or_a_text_message_is_refused_with_its_close_code()
    {
        await using var server = await ChatWebTestServer.StartAsync();
        await using var term = await server.JoinAsync("term");

        await using var big = await WebChatPeer.JoinAsync(server, "big");
        await big.SendRawAsync(new byte[WebSocketConnection.MaxMessageBytes + 1]);
        (await big.ReceiveUntilClosedAsync()).ShouldBeEmpty();
        big.Socket.CloseStatus.ShouldBe(WebSocketCloseStatus.MessageTooBig);
        (await term.ReceiveUntilAsync("User big has left")).ShouldBe(["User big has joined"]);

        await using var texter = await WebChatPeer.JoinAsync(server, "texter");
        await texter.SendRawAsync("\0\0\0\u0002hi"u8.ToArray(), WebSocketMessageType.Text);
        (await texter.ReceiveUntilClosedAsync()).ShouldBeEmpty();
        texter.Socket.CloseStatus.ShouldBe(WebSocketCloseStatus.InvalidMessageType);
        (await server.Logs.WaitForAsync("text WebSocket message")).ShouldContain("(web): rejected");
    }

    [Fact]
    public async Task A_browser_that_never_reads_is_cut_off_by_the_same_queue_bound()
    {
        var options = new ChatServerOptions
        {
            RateBurst = 0,
            Queue = new Transport.Outgoing.OutgoingQueueOptions { MaxQueuedBytes = 64 * 1024, StallTimeout = TimeSpan.FromSeconds(30) },
        };
        await using var server = await ChatWebTestServer.StartAsync(options);
        await using var talker = await server.JoinAsync("talker");
        await using var sleeper = await WebChatPeer.JoinAsync(server, "sleeper");
        (await talker.ReceiveAsync()).ShouldBe("User sleeper has joined");

        var text = new string('x', 1000);
        var line = ChatLines.Public("talker", text);
        var cutOff = server.Logs.WaitForAsync("slow reader");
        for (var sent = 0; !cutOff.IsCompleted; sent++)
        {
            sent.ShouldBeLessThan(50_000, "the sleeper was never cut off");
            await talker.SendAsync(text);
            (await talker.ReceiveAsync()).ShouldBe(line);
        }
        (await cutOff).ShouldContain("sleeper");
        (await talker.ReceiveUntilAsync("User sleeper has left")).ShouldAllBe(f => f == line);
    }

    [Fact]
    public async Task Stopping_the_server_says_so_to_a_browser_then_closes_its_WebSocket()
    {
        var server = await ChatWebTestServer.StartAsync();
        await using var web = await WebChatPeer.JoinAsync(server, "webby");
        var stopped = server.DisposeAsync().AsTask();
        (await web.ReceiveUntilClosedAsync()).ShouldBe([ChatCodes.ServerShutdown]);
        web.Socket.CloseStatus.ShouldBe(WebSocketCloseStatus.NormalClosure);
        await stopped.Within();
    }
}
