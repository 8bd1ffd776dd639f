using System.Net.Sockets;

namespace Switchboard.Services.Files;

/// <summary>
/// TCP_CORK (Linux): while set, the kernel holds back partial segments; clearing it sends what is held at
/// once. What nginx's <c>tcp_nopush</c> does around a sendfile response.
/// </summary>
internal static class TcpCork
{
    private const int IPPROTO_TCP = 6;
    private const int TCP_CORK = 3;

    private static readonly byte[] On = BitConverter.GetBytes(1);
    private static readonly byte[] Off = BitConverter.GetBytes(0);

    /// <summary>Sets or clears the cork; false where there is none (not Linux) or the socket is gone.</summary>
    public static bool TrySet(Socket socket, bool corked)
    {
        if (!OperatingSystem.IsLinux())
        {
            return false;
        }
        try
        {
            socket.SetRawSocketOption(IPPROTO_TCP, TCP_CORK, corked ? On : Off);
            return true;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Only an optimisation: a socket that refuses it is sent to uncorked, and a gone one fails the send next.
            return false;
        }
    }
}
