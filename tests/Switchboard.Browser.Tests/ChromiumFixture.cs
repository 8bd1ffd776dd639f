using Microsoft.Playwright;
using Switchboard.Tests.Shared;

namespace Switchboard.Browser.Tests;

/// <summary>
/// One headless Debian chromium for a whole test class (each test gets fresh contexts: no shared cookies or storage).
/// Browser downloads are impossible here, so Playwright is pointed at the distribution's browser; when it is missing
/// every test of the class fails with the reason, never skips.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ChromiumPath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("the browser is not started");

    /// <summary>Where screenshots go: the test output folder.</summary>
    public static string ScreenshotFolder { get; } = Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
        {
            throw new InvalidOperationException(
                $"Chromium is not installed at {ChromiumPath}: the browser tests need Debian's chromium package " +
                "(apt-get install -y chromium; .ci/run installs it when run as root). They fail rather than skip without it.");
        }
        Directory.CreateDirectory(ScreenshotFolder);
        // Expectations wait for the page to reach a state; on a loaded machine that may take a while, never forever.
        Assertions.SetDefaultExpectTimeout((float)Deadline.Default.TotalMilliseconds);
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Timeout = 60_000,
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
            ],
        });
    }

    /// <summary>A page in a context of its own (a separate visitor), at <paramref name="url"/>.</summary>
    public async Task<ChatPage> OpenAsync(string url, int width = 1000, int height = 700)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = height } });
        context.SetDefaultTimeout((float)Deadline.Default.TotalMilliseconds);
        var page = await context.NewPageAsync();
        var chat = new ChatPage(page);
        await page.GotoAsync(url);
        return chat;
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }
        _playwright?.Dispose();
    }
}
