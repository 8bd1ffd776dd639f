using System.Net;
using System.Net.Sockets;
using Switchboard.Transport.Hosting;

namespace Switchboard.Services.Echo;

/// <summary>Turns the handout's bind argument into a listening socket, failing with a message that names the address and port.</summary>
internal static class EchoListener
{
    /// <param name="bindAddress">Empty, <c>*</c> or null for all interfaces (as Python's <c>''</c>), an IP literal, or a host name.</param>
    /// <exception cref="ServerStartException">The name does not resolve, or the address cannot be bound.</exception>
    public static Socket Bind(string? bindAddress, int port, int backlog)
    {
        if (BindAddress.TryParse(bindAddress, out var address, out _))
        {
            return address is null ? BindAllInterfaces(port, backlog) : BindTo(address, port, backlog, bindAddress);
        }
        return BindTo(Resolve(bindAddress!, port), port, backlog, bindAddress);
    }

    private static Socket BindAllInterfaces(int port, int backlog)
    {
        if (Socket.OSSupportsIPv6)
        {
            try
            {
                return Listen(new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp) { DualMode = true }, IPAddress.IPv6Any, port, backlog);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
            {
                // IPv6 compiled in but disabled on this host: all IPv4 interfaces is the best "all" there is.
            }
            catch (SocketException e)
            {
                throw Failed("*", port, e);
            }
        }
        return BindTo(IPAddress.Any, port, backlog, "*");
    }

    private static Socket BindTo(IPAddress address, int port, int backlog, string? shown)
    {
        try
        {
            return Listen(new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp), address, port, backlog);
        }
        catch (SocketException e)
        {
            throw Failed(shown ?? address.ToString(), port, e);
        }
    }

    private static Socket Listen(Socket socket, IPAddress address, int port, int backlog)
    {
        try
        {
            if (!OperatingSystem.IsWindows())
            {
                // The handout's SO_REUSEADDR: restart at once despite TIME_WAIT. (On Windows it would let another process steal the port.)
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            }
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static IPAddress Resolve(string host, int port)
    {
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            // Python's bind on an AF_INET socket takes the IPv4 address of a name; do the same where there is one.
            return addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork)
                ?? addresses.FirstOrDefault()
                ?? throw Failed(host, port, new SocketException((int)SocketError.HostNotFound));
        }
        catch (SocketException e)
        {
            throw new ServerStartException($"cannot listen (echo on {host} port {port}): bind address '{host}' does not resolve: {e.Message}", e);
        }
        catch (ArgumentException e)
        {
            throw new ServerStartException($"cannot listen (echo on {host} port {port}): bind address '{host}' is not valid: {e.Message}", e);
        }
    }

    private static ServerStartException Failed(string where, int port, SocketException e)
    {
        var what = $"echo on {where} port {port}";
        return new ServerStartException(e.SocketErrorCode switch
        {
            SocketError.AddressAlreadyInUse => $"cannot listen ({what}): address already in use",
            SocketError.AccessDenied => $"cannot listen ({what}): permission denied",
            SocketError.AddressNotAvailable => $"cannot listen ({what}): address not available on this machine",
            _ => $"cannot listen ({what}): {e.Message}",
        }, e);
    }
}
