using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Switchboard.Browser.Tests;

/// <summary>The chat page as a person uses it: type a name, type messages, read the list; plus what it must never do.</summary>
public sealed class ChatPage : IAsyncDisposable
{
    private readonly List<string> _dialogs = [];
    private readonly List<string> _requests = [];

    public ChatPage(IPage page)
    {
        Page = page;
        page.Dialog += (_, dialog) =>
        {
            lock (_dialogs)
            {
                _dialogs.Add($"{dialog.Type}: {dialog.Message}");
            }
            _ = dialog.DismissAsync();
        };
        page.Request += (_, request) =>
        {
            lock (_requests)
            {
                _requests.Add(request.Url);
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Dialogs (alert, confirm, prompt) the page opened: a page that only shows text opens none.</summary>
    public IReadOnlyList<string> Dialogs
    {
        get
        {
            lock (_dialogs)
            {
                return [.. _dialogs];
            }
        }
    }

    /// <summary>Every URL the page requested.</summary>
    public IReadOnlyList<string> Requests
    {
        get
        {
            lock (_requests)
            {
                return [.. _requests];
            }
        }
    }

    public ILocator Status => Page.Locator("#status");

    public ILocator JoinError => Page.Locator("#join-error");

    public ILocator People => Page.Locator("#people button");

    public ILocator Messages => Page.Locator("#messages li");

    public ILocator PairingCode => Page.Locator("#pairing-code");

    /// <summary>Types a name into the prompt and presses Enter, as a person would.</summary>
    public async Task TryNameAsync(string name)
    {
        await Page.Locator("#username").FillAsync(name);
        await Page.Locator("#username").PressAsync("Enter");
    }

    public async Task JoinAsync(string name)
    {
        await TryNameAsync(name);
        await Expect(Status).ToHaveTextAsync($"Connected as {name}");
        await Expect(Page.Locator("#message")).ToBeFocusedAsync();
    }

    /// <summary>Types into the message box and presses Enter.</summary>
    public async Task SayAsync(string text)
    {
        await Page.Locator("#message").FillAsync(text);
        await Page.Locator("#message").PressAsync("Enter");
        await Expect(Page.Locator("#message")).ToHaveValueAsync(string.Empty);
    }

    /// <summary>The public message from <paramref name="sender"/> with exactly <paramref name="text"/>.</summary>
    public ILocator Public(string sender, string text) => Message("public", sender, text);

    public ILocator Private(string sender, string text) => Message("private", sender, text);

    /// <summary>A join, leave or other line shown as itself.</summary>
    public ILocator Line(string text) => Page.Locator("#messages li:not(.msg)").Filter(new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(text) + "$") });

    public Task ScreenshotAsync(string name) =>
        Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ChromiumFixture.ScreenshotFolder, name + ".png"), FullPage = true });

    public ValueTask DisposeAsync() => Page.Context.DisposeAsync();

    private ILocator Message(string kind, string sender, string text) =>
        Page.Locator($"#messages li.msg.{kind}")
            .Filter(new() { Has = Page.Locator(".from", new() { HasText = sender + ":" }) })
            .Filter(new() { Has = Page.Locator(".text", new() { HasTextRegex = new System.Text.RegularExpressions.Regex("^" + System.Text.RegularExpressions.Regex.Escape(text) + "$") }) });
}
