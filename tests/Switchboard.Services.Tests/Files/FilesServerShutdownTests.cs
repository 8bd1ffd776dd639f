using System.Net;
using System.Net.Sockets;
using Switchboard.Protocol;
using Switchboard.Protocol.Files;
using Switchboard.Services.Files;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Files;

/// <summary>A download still running when the server stops: shutdown waits, then cuts it, and says so.</summary>
public sealed class FilesServerShutdownTests
{
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_download_cut_by_shutdown_is_logged_as_cancelled_by_shutdown(bool zeroCopy)
    {
        // A long gap, so only the shutdown (after its 300 ms grace) can end the stalled download.
        await using var server = await FilesServerFixture.StartAsync(zeroCopy, gap: TimeSpan.FromSeconds(30), shutdownTimeout: TimeSpan.FromMilliseconds(300));
        using var metrics = new MetricTotals(server.Host);
        server.WriteSparse("big.bin", 512L * 1024 * 1024);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await socket.ConnectAsync(IPAddress.Loopback, server.Port).Within();
        await socket.SendAsync(FileRequestCodec.Encode(FileRequest.For("big.bin")));
        var header = new byte[8];
        (await socket.ReceiveAsync(header).Within()).ShouldBeGreaterThan(0);
        // ... and reads no more, so the transfer is still under way when the server stops.

        await server.Host.StopAsync().Within();

        var line = await server.Logs.WaitForAsync("'big.bin': status 1, cancelled by shutdown after");
        line.ShouldStartWith("Warning");
        line.ShouldMatch(@"after \d+ of 536870912 bytes in \d+ ms$");
        server.Logs.Lines.ShouldNotContain(l => l.Contains("Operation canceled") || l.Contains("rejected") || l.Contains("connection lost"));
        server.Errors.ShouldBeEmpty();
        metrics["switchboard.rejects|reason=shutdown"].ShouldBe(1, metrics.ToString());
    }

    [Fact]
    public async Task The_client_of_a_download_cut_by_shutdown_is_told_server_file_and_bytes()
    {
        await using var server = await FilesServerFixture.StartAsync(gap: TimeSpan.FromSeconds(30), shutdownTimeout: TimeSpan.FromMilliseconds(300));
        server.WriteSparse("big.bin", 512L * 1024 * 1024);
        using var dir = new TempDir();
        var receiving = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var release = new ManualResetEventSlim();
        // Holds the client's receive loop on its first report, so the download is under way and stalled when the server stops.
        var progress = new BlockingReports(() =>
        {
            receiving.TrySetResult();
            release.Wait(Deadline.Default);
        });
        var limits = new TransportLimits { GapTimeout = TimeSpan.FromSeconds(30) };
        var download = Task.Run(() => FilesClient.DownloadAsync("127.0.0.1", server.Port, "big.bin", limits, _ => progress, CancellationToken.None, saveAs: dir["big.bin"]));
        await receiving.Task.Within();

        await server.Host.StopAsync().Within();
        await server.Logs.WaitForAsync("'big.bin': status 1, cancelled by shutdown after");
        release.Set();

        var error = await Should.ThrowAsync<SwitchboardException>(() => download.Within());
        error.Message.ShouldMatch($@"^(the server closed the connection|connection lost) after \d+ of 536870912 bytes of 'big.bin' from server 127\.0\.0\.1 port {server.Port}(: [a-z ]+)?; discarding the download$");
        dir.Entries().ShouldBeEmpty();
    }

    /// <summary>Runs <paramref name="first"/> on the first report only, on the receive loop's own thread.</summary>
    private sealed class BlockingReports(Action first) : IProgress<long>
    {
        private int _reports;

        public void Report(long value)
        {
            if (Interlocked.Increment(ref _reports) == 1)
            {
                first();
            }
        }
    }
}
