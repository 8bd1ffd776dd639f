using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat.Web;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Chat;
using Switchboard.Transport.Hosting;
using static Microsoft.Playwright.Assertions;

namespace Switchboard.Browser.Tests.Chat;

/// <summary>
/// The chat page in a real Chromium, chatting with terminal (TCP) participants on the same server. One browser for the
/// class; each test starts its own server and opens fresh pages. Screenshots land in the test output folder
/// (bin/.../screenshots/), and one of them is docs/chat-in-the-browser.png.
/// </summary>
public sealed class ChatInTheBrowserTests(ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    [Fact]
    public async Task Two_pages_and_a_terminal_chat_together_publicly_and_privately_and_see_who_comes_and_goes()
    {
        // Known TCP ports, so the page can show the exact observer command (and the screenshot in the README does).
        var port = FreePort.OnLoopback();
        var observerPort = FreePort.OnLoopback();
        while (observerPort == port)
        {
            observerPort = FreePort.OnLoopback();
        }
        await using var server = await ChatWebTestServer.StartAsync(chatPorts: (port, observerPort));
        await using var ann = await chromium.OpenAsync(server.PageUrl);
        await using var ben = await chromium.OpenAsync(server.PageUrl);
        await ann.JoinAsync("ann");
        await Expect(ann.PairingCode).ToHaveTextAsync(new System.Text.RegularExpressions.Regex("^[A-HJ-NP-Z2-9]{6}$"));
        await Expect(ann.Page.Locator("#observer-command")).ToHaveTextAsync(
            $"switchboard chat client --observer --ip 127.0.0.1 --port {port}" + (observerPort == port + 1 ? "" : $" --observer-port {observerPort}"));
        await Expect(ann.Page.Locator("#pairing-line")).ToHaveTextAsync("ann " + await ann.PairingCode.TextContentAsync());
        await ben.JoinAsync("ben");
        await Expect(ann.Line("User ben has joined")).ToBeVisibleAsync();
        await using var carl = await server.JoinAsync("carl");
        foreach (var page in new[] { ann, ben })
        {
            await Expect(page.Line("User carl has joined")).ToBeVisibleAsync();
        }
        await Expect(ann.People).ToHaveTextAsync(["ann (you)", "ben", "carl"]);
        await Expect(ben.People).ToHaveTextAsync(["ann", "ben (you)", "carl"]);

        // Public, both ways.
        await carl.SendAsync("hello from the terminal");
        await Expect(ann.Public("carl", "hello from the terminal")).ToBeVisibleAsync();
        await Expect(ben.Public("carl", "hello from the terminal")).ToBeVisibleAsync();
        await ann.SayAsync("hi carl, hi ben");
        (await carl.ReceiveUntilAsync(">        ann: hi carl, hi ben")).ShouldBe([">       carl: hello from the terminal"]);
        await Expect(ben.Public("ann", "hi carl, hi ben")).ToBeVisibleAsync();
        // By keyboard too: a sender's name on a message is a button that starts a private message.
        await ann.Public("carl", "hello from the terminal").Locator(".from").FocusAsync();
        await ann.Page.Keyboard.PressAsync("Enter");
        await Expect(ann.Page.Locator("#message")).ToHaveValueAsync("@carl ");
        await Expect(ann.Page.Locator("#message")).ToBeFocusedAsync();
        await ann.Page.Locator("#message").FillAsync(string.Empty);

        // Private, both ways: ben picks carl from the list, carl answers ann; nobody else sees either.
        await ben.People.Filter(new() { HasText = "carl" }).ClickAsync();
        await Expect(ben.Page.Locator("#message")).ToHaveValueAsync("@carl ");
        await ben.Page.Locator("#message").PressSequentiallyAsync("just between us");
        await ben.Page.Locator("#message").PressAsync("Enter");
        (await carl.ReceiveAsync()).ShouldBe("-        ben: @carl just between us");
        await Expect(ben.Private("ben", "@carl just between us")).ToBeVisibleAsync();
        await carl.SendAsync("@ann psst, ann");
        (await carl.ReceiveAsync()).ShouldBe("-       carl: @ann psst, ann");
        await Expect(ann.Private("carl", "@ann psst, ann")).ToBeVisibleAsync();
        await carl.SendAsync("back to everyone");
        (await carl.ReceiveAsync()).ShouldBe(">       carl: back to everyone");
        await Expect(ann.Public("carl", "back to everyone")).ToBeVisibleAsync();
        await Expect(ben.Public("carl", "back to everyone")).ToBeVisibleAsync();
        await Expect(ann.Page.Locator("#messages li.private")).ToHaveCountAsync(1);
        await Expect(ben.Page.Locator("#messages li.private")).ToHaveCountAsync(1);
        // Private lines look unlike public ones.
        (await ann.Page.Locator("#messages li.private").First.EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"))
            .ShouldNotBe(await ann.Public("carl", "back to everyone").EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await ann.ScreenshotAsync("chat-two-pages-and-a-terminal");
        await ben.Page.SetViewportSizeAsync(390, 740);
        await ben.ScreenshotAsync("chat-on-a-phone-sized-window");

        // Leaving: the terminal closes, then ben leaves with the button; everyone still there sees it.
        await carl.DisposeAsync();
        await Expect(ann.Line("User carl has left")).ToBeVisibleAsync();
        await Expect(ben.Line("User carl has left")).ToBeVisibleAsync();
        await Expect(ann.People).ToHaveTextAsync(["ann (you)", "ben"]);
        await using var dora = await server.JoinAsync("dora");
        await ben.Page.Locator("#leave-button").ClickAsync();
        await Expect(ann.Line("User ben has left")).ToBeVisibleAsync();
        (await dora.ReceiveAsync()).ShouldBe("User ben has left");
        await Expect(ann.People).ToHaveTextAsync(["ann (you)", "dora"]);
        await Expect(ben.Page.Locator("#username")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Markup_in_messages_and_names_is_shown_as_text_and_runs_nothing()
    {
        await using var server = await ChatWebTestServer.StartAsync();
        await using var ann = await chromium.OpenAsync(server.PageUrl);
        await using var ben = await chromium.OpenAsync(server.PageUrl);
        await ann.JoinAsync("ann");
        await ben.JoinAsync("ben");
        await using var bold = await server.JoinAsync("<b>x</b>");
        const string attack = "<img src=x onerror=alert(1)>";
        await ann.SayAsync(attack);
        await bold.SendAsync("<script>alert(2)</script>");
        await bold.SendAsync("@ben <svg onload=alert(3)>");
        await bold.SendAsync("the end");
        foreach (var page in new[] { ann, ben })
        {
            await Expect(page.Public("ann", attack)).ToBeVisibleAsync();
            await Expect(page.Public("<b>x</b>", "<script>alert(2)</script>")).ToBeVisibleAsync();
            await Expect(page.Public("<b>x</b>", "the end")).ToBeVisibleAsync();
            await Expect(page.Line("User <b>x</b> has joined")).ToBeVisibleAsync();
            await Expect(page.People.Filter(new() { HasText = "<b>x</b>" })).ToBeVisibleAsync();
            await Expect(page.Page.Locator("#messages img, #messages script, #messages svg, #messages b, #people b")).ToHaveCountAsync(0);
            page.Dialogs.ShouldBeEmpty();
            page.Requests.ShouldNotContain(u => u.EndsWith("/x", StringComparison.Ordinal), "the image was never loaded");
        }
        await Expect(ben.Private("<b>x</b>", "@ben <svg onload=alert(3)>")).ToBeVisibleAsync();
        await ben.ScreenshotAsync("chat-markup-shown-as-text");
        ben.Dialogs.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_username_rules_and_the_servers_answers_are_shown_in_the_page()
    {
        await using var server = await ChatWebTestServer.StartAsync();
        await using var dora = await server.JoinAsync("dora");
        await using var page = await chromium.OpenAsync(server.PageUrl, 390, 740);
        await Expect(page.Page.Locator("#rules")).ToContainTextAsync("1 to 10 characters");

        // Checked in the page before sending, as the handout asks of clients.
        await page.TryNameAsync("two words");
        await Expect(page.JoinError).ToHaveTextAsync("“two words” contains a space; a username may not.");
        await page.TryNameAsync("elevenchars");
        await Expect(page.JoinError).ToHaveTextAsync("“elevenchars” has 11 characters; at most 10 are allowed.");
        // The server's answers.
        await page.TryNameAsync("DORA");
        await Expect(page.JoinError).ToHaveTextAsync("“DORA” is already in use. Choose another name.");
        await page.ScreenshotAsync("chat-username-in-use");
        await page.TryNameAsync("a\u200Db");
        await Expect(page.JoinError).ToContainTextAsync("The server refused “a\u200Db”: a username may not contain control or formatting characters");
        await page.JoinAsync("eve");
        (await dora.ReceiveAsync()).ShouldBe("User eve has joined");
        await Expect(page.JoinError).ToHaveTextAsync(string.Empty);
    }

    [Fact]
    public async Task A_page_on_another_origin_cannot_open_the_chat_WebSocket_unless_that_origin_is_allowed()
    {
        // Two other sites on this machine (other ports are other origins), each a plain page without the chat's policy.
        await using var sites = await TcpServerHost.StartAsync(
            [
                new ListenSpec("evil", IPAddress.Loopback, 0, _ => { }) { Http = AnotherSite },
                new ListenSpec("friend", IPAddress.Loopback, 0, _ => { }) { Http = AnotherSite },
            ],
            ServerHostOptions.Default,
            configureServices: null,
            configureLogging: null,
            CancellationToken.None);
        var evil = $"http://127.0.0.1:{sites.PortOf("evil")}";
        var friend = $"http://127.0.0.1:{sites.PortOf("friend")}";
        await using var server = await ChatWebTestServer.StartAsync(web: new ChatWebOptions { AllowedOrigins = [friend] });
        const string open = """
            url => new Promise(resolve => {
              const ws = new WebSocket(url);
              ws.binaryType = "arraybuffer";
              ws.onmessage = e => { ws.close(); resolve("received " + new TextDecoder().decode(new Uint8Array(e.data).subarray(4))); };
              ws.onclose = e => resolve("closed " + e.code);
            })
            """;

        await using var page = await chromium.OpenAsync(evil + "/");
        (await page.Page.EvaluateAsync<string>(open, server.WebSocketUri.ToString())).ShouldBe("closed 1006");
        (await server.Logs.WaitForAsync("WebSocket refused")).ShouldContain($"Origin '{evil}'");
        server.Room.ActiveParticipants.ShouldBe(0);

        await page.Page.GotoAsync(friend + "/");
        (await page.Page.EvaluateAsync<string>(open, server.WebSocketUri.ToString())).ShouldBe("received accept");
    }

    private static void AnotherSite(IApplicationBuilder app) =>
        app.Run(context =>
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            return context.Response.WriteAsync("<!doctype html><title>another site</title><p>not the chat</p>");
        });

    [Fact]
    public async Task The_page_survives_a_server_restart_by_reconnecting_and_saying_so()
    {
        var port = FreePort.OnLoopback();
        var first = await ChatWebTestServer.StartAsync(webPort: port);
        await using var page = await chromium.OpenAsync(first.PageUrl);
        await page.JoinAsync("fay");
        await first.DisposeAsync();
        await Expect(page.Line("The server is shutting down.")).ToBeVisibleAsync();
        await Expect(page.Status).ToContainTextAsync("Reconnecting");
        await Expect(page.Page.Locator("#status.offline")).ToBeVisibleAsync();
        await page.ScreenshotAsync("chat-reconnecting");

        // The same port again, as after a restart.
        await using var second = await ChatWebTestServer.StartAsync(webPort: port);
        await Expect(page.Status).ToHaveTextAsync("Connected as fay");
        await Expect(page.Line("Reconnected as fay.")).ToBeVisibleAsync();
        await using var gus = await second.JoinAsync("gus");
        await Expect(page.Line("User gus has joined")).ToBeVisibleAsync();
        await Expect(page.People).ToHaveTextAsync(["fay (you)", "gus"]);
        await page.SayAsync("still here");
        (await gus.ReceiveAsync()).ShouldBe(ChatLines.Public("fay", "still here"));
    }
}
