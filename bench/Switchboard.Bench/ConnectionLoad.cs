using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Switchboard.Bench;

/// <summary>Connection-per-request load: each request connects, sends, and reads until the server closes.</summary>
public static class ConnectionLoad
{
    /// <returns>Requests completed in <paramref name="duration"/>.</returns>
    public static async Task<long> RunAsync(int port, int clients, TimeSpan duration, Func<int, byte[]> request)
    {
        long done = 0;
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, clients).Select(worker => Task.Run(async () =>
        {
            var bytes = request(worker);
            var receive = new byte[64 * 1024];
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                await socket.ConnectAsync(IPAddress.Loopback, port);
                await socket.SendAsync(bytes, SocketFlags.None);
                // Until the server closes: for a mailbox create that confirms it was stored; for a read, that the response ended.
                while (await socket.ReceiveAsync(receive, SocketFlags.None) > 0)
                {
                }
                Interlocked.Increment(ref done);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return done;
    }
}
