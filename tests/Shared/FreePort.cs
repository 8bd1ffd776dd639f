using System.Net;
using System.Net.Sockets;

namespace Switchboard.Tests.Shared;

/// <summary>Ports for tests that cannot pass 0 (a CLI whose range forbids it, or a port that must refuse).</summary>
public static class FreePort
{
    // Where the kernel hands out ephemeral ports (Linux's default range when it cannot be read).
    private static readonly (int Low, int High) Ephemeral = ReadEphemeralRange();

    /// <summary>
    /// A loopback port nothing listens on right now, within 1024-64000 so every command accepts it.
    /// Bound and released at once: connecting to it is refused until something listens there.
    /// </summary>
    /// <remarks>
    /// Chosen below the kernel's ephemeral range: a port the kernel had given us and we released could be handed to
    /// the next outgoing connection of any test running alongside, and the server started on it then failed with
    /// "address already in use" (seen in CI: one of the six ports an <c>up</c> test had picked).
    /// </remarks>
    public static int OnLoopback()
    {
        var high = Math.Min(Ephemeral.Low - 1, 64000);
        if (high < 2048)
        {
            return FromKernel();
        }
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(1024, high + 1);
            using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                // Taken (or reserved): try another.
            }
        }
        return FromKernel();
    }

    private static int FromKernel()
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

    private static (int Low, int High) ReadEphemeralRange()
    {
        try
        {
            var parts = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range")
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 2 && int.TryParse(parts[0], out var low) && int.TryParse(parts[1], out var high))
            {
                return (low, high);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or not readable: assume Linux's default.
        }
        return (32768, 60999);
    }
}
