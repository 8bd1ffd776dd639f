using System.Net.Sockets;

namespace Switchboard.Tests.Shared;

/// <summary>A hostile peer for fuzz tests: sends bytes in random pieces and sometimes vanishes with a reset part-way.</summary>
public static class FuzzPeer
{
    /// <summary>
    /// Connects, sends <paramref name="bytes"/> in random pieces (a quarter of them 1–3 bytes), then half-closes and
    /// reads until the server closes; one connection in <paramref name="resetOneIn"/> resets at a random byte instead.
    /// True when the server ended the connection cleanly; false for any reset, ours or the server's.
    /// </summary>
    public static async Task<bool> SendAsync(int port, byte[] bytes, Random random, int resetOneIn, int maxPiece = 2048)
    {
        var resetAt = random.Next(resetOneIn) == 0 ? random.Next(bytes.Length + 1) : -1;
        try
        {
            await using var tcp = await RawTcp.ConnectAsync(port);
            for (var at = 0; ;)
            {
                if (at == resetAt)
                {
                    tcp.Socket.LingerState = new LingerOption(true, 0);
                    tcp.Socket.Close();
                    return false;
                }
                if (at == bytes.Length)
                {
                    break;
                }
                var piece = Math.Min(bytes.Length - at, random.Next(4) == 0 ? random.Next(1, 4) : random.Next(1, maxPiece));
                if (resetAt > at)
                {
                    piece = Math.Min(piece, resetAt - at);
                }
                await tcp.SendAsync(bytes.AsMemory(at, piece));
                at += piece;
            }
            tcp.ShutdownSend();
            return (await tcp.Socket.ReadUntilClosedAsync()).Kind == PeerCloseKind.Clean;
        }
        catch (SocketException)
        {
            // The server closed on bad input while the rest was still being sent: expected.
            return false;
        }
    }

    /// <summary><paramref name="count"/> random bytes.</summary>
    public static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
