using System.Net;
using System.Net.Sockets;
using Switchboard.Protocol.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Files;

/// <summary>Peers that go away mid-transfer: an expected failure, one line and a "network" reject each, never an internal error.</summary>
[Collection(LoadCollection.Name)]
public sealed class FilesServerResetTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Clients_resetting_mid_transfer_are_logged_as_connection_lost_never_as_internal_errors(bool zeroCopy)
    {
        // Small chunks mean many sends per transfer, so a reset often lands between two of them: the moment
        // the socket already knows it is no longer connected, which is when SendPacketsAsync used to throw.
        await using var server = await FilesServerFixture.StartAsync(zeroCopy, gap: TimeSpan.FromSeconds(5),
            configure: o => o with { MinChunkBytes = 4 * 1024, MaxChunkBytes = 16 * 1024 });
        using var metrics = new MetricTotals(server.Host);
        server.WriteSparse("big.bin", 256L * 1024 * 1024);
        var request = FileRequestCodec.Encode(FileRequest.For("big.bin"));
        const int Clients = 400;

        await Parallel.ForEachAsync(Enumerable.Range(0, Clients), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 16 * 1024 };
            await socket.ConnectAsync(IPAddress.Loopback, server.Port, ct);
            await socket.SendAsync(request, ct);
            // Vary the moment of the reset: right after the request, or after some data.
            var want = i % 4 * 8 * 1024;
            var buffer = new byte[8 * 1024];
            for (var got = 0; got < want;)
            {
                var n = await socket.ReceiveAsync(buffer, ct);
                if (n == 0)
                {
                    break;
                }
                got += n;
            }
            // SO_LINGER 0 and close: the kernel sends RST, discarding anything unsent.
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
        }).Within(TimeSpan.FromSeconds(60));

        await Deadline.Until(() => metrics["switchboard.connections.accepted"] == Clients && metrics["switchboard.connections.active"] == 0,
            "every reset connection closed by the server", TimeSpan.FromSeconds(30));
        server.Errors.ShouldBeEmpty();
        metrics["switchboard.rejects|reason=internal"].ShouldBe(0, metrics.ToString());
        metrics["switchboard.rejects|reason=network"].ShouldBeGreaterThan(0, metrics.ToString());
        // Mid-transfer: the file and how far it got. A reset before the request was read: the base handler's line.
        var lost = server.Logs.Lines.Where(l => l.Contains("connection lost", StringComparison.Ordinal)).ToArray();
        lost.Length.ShouldBe((int)metrics["switchboard.rejects|reason=network"], string.Join("\n", server.Logs.Lines.Where(l => l.StartsWith("Warning"))));
        lost.ShouldAllBe(l => !l.Contains(" | ") && !l.Contains("Exception"));
        lost.ShouldContain(l => l.Contains("'big.bin': status 1, connection lost after", StringComparison.Ordinal) && l.EndsWith(": connection reset by peer", StringComparison.Ordinal));
    }
}
