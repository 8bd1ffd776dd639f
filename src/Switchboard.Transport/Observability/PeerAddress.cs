using System.Net;

namespace Switchboard.Transport.Observability;

/// <summary>Formats peers for logs as <c>IP:port</c>, showing IPv4 clients of a dual-stack socket as plain IPv4.</summary>
public static class PeerAddress
{
    public static string Format(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint { Address.IsIPv4MappedToIPv6: true } ip => $"{ip.Address.MapToIPv4()}:{ip.Port}",
        IPEndPoint ip => ip.ToString(),
        null => "unknown peer",
        _ => endPoint.ToString() ?? "unknown peer",
    };
}
