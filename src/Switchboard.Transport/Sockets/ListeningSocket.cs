using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;

namespace Switchboard.Transport.Sockets;

/// <summary>The listening socket of Switchboard's own accept paths (direct and epoll), bound as Kestrel binds.</summary>
internal static class ListeningSocket
{
    /// <summary>
    /// Binds and listens as Kestrel would: a given address as is; no address as IPv6 any with dual mode
    /// (IPv4 clients too), or IPv4 any where IPv6 is unavailable.
    /// </summary>
    /// <param name="prepare">Applied to the bound socket before it listens (e.g. <c>SO_LINGER</c> 0, inherited by accepted sockets).</param>
    /// <exception cref="SocketException">The address cannot be bound.</exception>
    public static Socket Bind(IPAddress? address, int port, int backlog, Action<Socket>? prepare)
    {
        Socket socket;
        if (address is not null)
        {
            socket = SocketTransportOptions.CreateDefaultBoundListenSocket(new IPEndPoint(address, port));
        }
        else if (Socket.OSSupportsIPv6)
        {
            try
            {
                socket = SocketTransportOptions.CreateDefaultBoundListenSocket(new IPEndPoint(IPAddress.IPv6Any, port));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
            {
                socket = SocketTransportOptions.CreateDefaultBoundListenSocket(new IPEndPoint(IPAddress.Any, port));
            }
        }
        else
        {
            socket = SocketTransportOptions.CreateDefaultBoundListenSocket(new IPEndPoint(IPAddress.Any, port));
        }
        try
        {
            prepare?.Invoke(socket);
            socket.Listen(backlog);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        return socket;
    }
}
