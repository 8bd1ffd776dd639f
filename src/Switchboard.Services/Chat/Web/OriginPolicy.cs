using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;
using Switchboard.Protocol;

namespace Switchboard.Services.Chat.Web;

/// <summary>
/// Which pages may open the chat's WebSocket. Browsers cannot forge <c>Origin</c>, so comparing it with the page's
/// own origin (the <c>Host</c> the browser asked for) and the configured extra origins stops cross-site WebSocket
/// hijacking. A handshake without <c>Origin</c> is not from a browser page (a program, which could as well use the
/// TCP port) and is allowed.
/// </summary>
internal sealed class OriginPolicy(IReadOnlyList<string> allowed)
{
    /// <summary>Why the handshake is refused, or null when it may proceed.</summary>
    public string? Refusal(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(HeaderNames.Origin, out var values))
        {
            return null;
        }
        var origin = values.ToString();
        if (origin.Length == 0)
        {
            return null;
        }
        var host = request.Host.Value;
        if (!string.IsNullOrEmpty(host) &&
            (string.Equals(origin, "http://" + host, StringComparison.OrdinalIgnoreCase) ||
             string.Equals(origin, "https://" + host, StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }
        if (TryNormalize(origin, out var normal, out _) && allowed.Contains(normal, StringComparer.Ordinal))
        {
            return null;
        }
        return $"Origin '{Shorten(origin)}' is neither this page's (http://{Shorten(host ?? "")}) nor one allowed by --web-allowed-origin";
    }

    /// <summary><c>scheme://host[:port]</c> in lower case, as browsers send it; throws <see cref="InvalidValueException"/> for anything else.</summary>
    public static string Normalize(string origin) =>
        TryNormalize(origin, out var normal, out var error) ? normal : throw new InvalidValueException(error);

    private static bool TryNormalize(string origin, out string normal, out string error)
    {
        normal = string.Empty;
        if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            error = $"allowed origin '{origin}' is not an origin: expected http://host or https://host, with a :port if not the default";
            return false;
        }
        if (uri.AbsolutePath != "/" || uri.Query.Length != 0 || uri.Fragment.Length != 0 || uri.UserInfo.Length != 0 || origin.TrimEnd('/').Length != origin.Length)
        {
            error = $"allowed origin '{origin}' has more than scheme, host and port (no path, no trailing /)";
            return false;
        }
        normal = uri.IsDefaultPort ? $"{uri.Scheme}://{uri.Host}" : $"{uri.Scheme}://{uri.Host}:{uri.Port}";
        error = string.Empty;
        return true;
    }

    private static string Shorten(string text) => CodePoints.Shorten(text, 100);
}
