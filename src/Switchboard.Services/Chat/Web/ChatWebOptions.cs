using Switchboard.Protocol;

namespace Switchboard.Services.Chat.Web;

/// <summary>The chat's web port: one page and its WebSocket (docs/chat-protocol.md §9), beside the TCP ports.</summary>
public sealed record ChatWebOptions
{
    /// <summary>The port <c>switchboard up</c> serves the page on.</summary>
    public const int DefaultUpPort = 8080;

    /// <summary>The WebSocket's path on the web port.</summary>
    public const string WebSocketPath = "/chat";

    /// <summary>Web port; 0 lets the OS choose (tests).</summary>
    public int Port { get; init; }

    /// <summary>
    /// Origins (<c>scheme://host[:port]</c>) whose pages may open the WebSocket besides the page's own, e.g. a reverse
    /// proxy's public name. Browsers send <c>Origin</c> on every WebSocket handshake; any other origin is refused
    /// with 403, so a page elsewhere cannot drive a visitor's browser into the chat.
    /// </summary>
    public IReadOnlyList<string> AllowedOrigins { get; init; } = [];

    /// <summary>How often the server pings an idle browser; one that does not answer within as long is disconnected.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Throws <see cref="InvalidValueException"/> naming the field and value when one is unusable; returns the options with origins normalised.</summary>
    public ChatWebOptions Validated()
    {
        if (Port is < 0 or > 65535)
        {
            throw new InvalidValueException($"web port must be a port 0-65535, got {Port}");
        }
        if (KeepAlive <= TimeSpan.Zero)
        {
            throw new InvalidValueException($"web keep-alive must be positive, got {KeepAlive}");
        }
        return this with { AllowedOrigins = [.. AllowedOrigins.Select(OriginPolicy.Normalize).Distinct(StringComparer.Ordinal)] };
    }
}
