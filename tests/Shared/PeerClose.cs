using System.Net.Sockets;

namespace Switchboard.Tests.Shared;

/// <summary>How a server ended a connection, as the peer sees it: a clean close (FIN) or a reset (RST).</summary>
public enum PeerCloseKind
{
    Clean,
    Reset,
}

public static class PeerClose
{
    /// <summary>Reads until the server ends the connection; returns what it sent and whether it ended with FIN or RST.</summary>
    public static async Task<(byte[] Received, PeerCloseKind Kind)> ReadUntilClosedAsync(this Socket socket, TimeSpan? limit = null)
    {
        using var cts = new CancellationTokenSource(limit ?? Deadline.Default);
        var all = new MemoryStream();
        var buffer = new byte[64 * 1024];
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted)
            {
                return (all.ToArray(), PeerCloseKind.Reset);
            }
            if (n == 0)
            {
                return (all.ToArray(), PeerCloseKind.Clean);
            }
            all.Write(buffer, 0, n);
        }
    }
}
