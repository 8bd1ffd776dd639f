using System.Net;

namespace Switchboard.Services.Chat.Web;

/// <summary>A browser's address as logs show it: <c>IP:port (web)</c>, so its lines read apart from terminal clients'.</summary>
internal sealed class WebPeerEndPoint(IPAddress? address, int port) : EndPoint
{
    public override string ToString()
    {
        var ip = address is null ? "unknown" : address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();
        return address is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6, IsIPv4MappedToIPv6: false }
            ? $"[{ip}]:{port} (web)"
            : $"{ip}:{port} (web)";
    }
}
