using System.Net;

namespace Switchboard.Transport.Hosting;

/// <summary>Parses <c>--bind</c> values. <c>null</c> means all interfaces: <c>::</c> dual-stack where the OS has IPv6, else <c>0.0.0.0</c>.</summary>
public static class BindAddress
{
    /// <summary>Parses an IP literal (<c>0.0.0.0</c>, <c>127.0.0.1</c>, <c>::</c>, <c>[::1]</c>) or <c>*</c> for all interfaces.</summary>
    public static bool TryParse(string? text, out IPAddress? address, out string error)
    {
        error = string.Empty;
        address = null;
        if (string.IsNullOrEmpty(text) || text == "*")
        {
            return true;
        }
        var literal = text.StartsWith('[') && text.EndsWith(']') ? text[1..^1] : text;
        if (IPAddress.TryParse(literal, out var parsed))
        {
            address = parsed;
            return true;
        }
        error = $"--bind '{text}' is not an IP address (use 0.0.0.0, ::, 127.0.0.1 or * for all interfaces)";
        return false;
    }
}
