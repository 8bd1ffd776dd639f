using System.Net;
using System.Net.Sockets;

namespace Switchboard.Tests.Shared;

/// <summary>Ports for tests that cannot pass 0 (a CLI whose range forbids it, or a port that must refuse).</summary>
public static class FreePort
{
    /// <summary>
    /// A loopback port nothing listens on right now, within 1024-64000 so every command accepts it.
    /// Bound and released at once: connecting to it is refused until something listens there.
    /// </summary>
    public static int OnLoopback()
    {
        while (true)
        {
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)probe.LocalEndPoint!).Port;
            if (port is >= 1024 and <= 64000)
            {
                return port;
            }
        }
    }
}
