using System.Net.Sockets;
using Switchboard.Protocol;
using Switchboard.Protocol.Files;
using Switchboard.Services.Files;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Client;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Files;

public sealed class FilesClientTests : IDisposable
{
    private static readonly TransportLimits Quick = new() { GapTimeout = TimeSpan.FromMilliseconds(300), ConnectTimeout = TimeSpan.FromSeconds(2) };
    private readonly TempDir _dir = new();

    private string Target => _dir["out.bin"];

    private Task<DownloadResult> DownloadAsync(int port, string name = "out.bin", CancellationToken cancellationToken = default) =>
        FilesClient.DownloadAsync("127.0.0.1", port, name, Quick, null, cancellationToken, saveAs: Target);

    private static byte[] Header(bool found, uint length) => FileResponseCodec.EncodeHeader(new FileResponseHeader(found, length));

    private static byte[] Raw(ushort magic, byte type, byte status, uint length) =>
        [(byte)(magic >> 8), (byte)magic, type, status, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length];

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Saves_exactly_DataLength_bytes_once_the_server_closes()
    {
        var content = new byte[300_000];
        new Random(1).NextBytes(content);
        await using var server = FakeFilesServer.Replying([.. Header(true, (uint)content.Length), .. content]);

        var result = await DownloadAsync(server.Port).Within();

        result.Bytes.ShouldBe(content.Length);
        File.ReadAllBytes(Target).ShouldBe(content);
        _dir.Entries().ShouldBe(["out.bin"]);
    }

    [Fact]
    public async Task Sends_FilenameLen_as_the_utf8_byte_count()
    {
        await using var server = FakeFilesServer.Replying(Header(true, 0));
        await DownloadAsync(server.Port, "résumé ✓.txt").Within();

        (await server.Request).ShouldBe(FileRequestCodec.Encode(FileRequest.For("résumé ✓.txt")));
        File.ReadAllBytes(Target).ShouldBeEmpty();
    }

    [Fact]
    public async Task Status_0_is_not_found_and_leaves_no_file()
    {
        await using var server = FakeFilesServer.Replying(Header(false, 0));
        var error = await Should.ThrowAsync<SwitchboardException>(() => DownloadAsync(server.Port, "wanted.txt"));
        error.Message.ShouldBe($"file 'wanted.txt' not found on server 127.0.0.1 port {server.Port}");
        _dir.Entries().ShouldBeEmpty();
    }

    [Theory]
    [InlineData(0x497F, 2, 1, 0u, "MagicNo is 0x497F, expected 0x497E")]
    [InlineData(0x497E, 1, 1, 0u, "Type is 1, expected 2 (FileResponse)")]
    [InlineData(0x497E, 2, 2, 0u, "StatusCode is 2, expected 0 or 1")]
    [InlineData(0x497E, 2, 0, 4u, "DataLength is 4, expected 0 when StatusCode is 0")]
    public async Task Malformed_header_is_an_error_naming_the_field(int magic, byte type, byte status, uint length, string expected)
    {
        await using var server = FakeFilesServer.Replying([.. Raw((ushort)magic, type, status, length), 1, 2, 3, 4]);
        var error = await Should.ThrowAsync<ProtocolViolationException>(() => DownloadAsync(server.Port));
        error.Message.ShouldBe($"malformed FileResponse: {expected}");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Header_cut_short_is_an_error()
    {
        await using var server = FakeFilesServer.Replying([0x49, 0x7E, 0x02]);
        (await Should.ThrowAsync<SwitchboardException>(() => DownloadAsync(server.Port))).Message.ShouldContain("incomplete FileResponse");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Short_data_leaves_no_file()
    {
        await using var server = FakeFilesServer.Replying([.. Header(true, 100), .. new byte[60]]);
        (await Should.ThrowAsync<SwitchboardException>(() => DownloadAsync(server.Port))).Message
            .ShouldBe($"the server closed the connection after 60 of 100 bytes of 'out.bin' from server 127.0.0.1 port {server.Port}; discarding the download");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Server_resetting_mid_download_is_an_error_naming_server_file_and_bytes()
    {
        var took400 = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = new FakeFilesServer(async (socket, stop) =>
        {
            await FakeFilesServer.SendAllAsync(socket, [.. Header(true, 1000), .. new byte[400]]);
            // The client has taken the bytes, so the reset is what it sees next rather than instead of them.
            await took400.Task.WaitAsync(stop);
            FakeFilesServer.Reset(socket);
        });
        var reports = new List<long>();
        var progress = new Reports(received =>
        {
            reports.Add(received);
            if (received == 400)
            {
                took400.TrySetResult();
            }
        });

        var error = await Should.ThrowAsync<ConnectionLostException>(() => FilesClient.DownloadAsync(
            "127.0.0.1", server.Port, "wanted.bin", Quick, length => length == 1000 ? progress : null, CancellationToken.None, saveAs: Target).Within());

        error.Message.ShouldBe($"connection lost after 400 of 1000 bytes of 'wanted.bin' from server 127.0.0.1 port {server.Port}: connection reset by peer; discarding the download");
        reports[^1].ShouldBe(400);
        _dir.Entries().ShouldBeEmpty();
    }

    /// <summary>Reports on the receive loop's own thread (<see cref="Progress{T}"/> would post them elsewhere).</summary>
    private sealed class Reports(Action<long> report) : IProgress<long>
    {
        public void Report(long value) => report(value);
    }

    [Fact]
    public async Task Server_resetting_before_answering_is_an_error_naming_server_and_file()
    {
        await using var server = new FakeFilesServer((socket, _) =>
        {
            FakeFilesServer.Reset(socket);
            return Task.CompletedTask;
        });

        var error = await Should.ThrowAsync<ConnectionLostException>(() => DownloadAsync(server.Port, "wanted.bin").Within());

        error.Message.ShouldBe($"connection to server 127.0.0.1 port {server.Port} lost before its answer for 'wanted.bin' arrived: connection reset by peer");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Extra_bytes_after_the_data_leave_no_file()
    {
        await using var server = FakeFilesServer.Replying([.. Header(true, 100), .. new byte[101]]);
        (await Should.ThrowAsync<SwitchboardException>(() => DownloadAsync(server.Port))).Message.ShouldContain("more than DataLength (100 bytes)");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Extra_bytes_arriving_later_leave_no_file()
    {
        await using var server = new FakeFilesServer(async (socket, _) =>
        {
            await FakeFilesServer.SendAllAsync(socket, [.. Header(true, 10), .. new byte[10]]);
            await Task.Delay(50);
            await FakeFilesServer.SendAllAsync(socket, new byte[] { 42 });
        });
        (await Should.ThrowAsync<SwitchboardException>(() => DownloadAsync(server.Port))).Message.ShouldContain("more than DataLength");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Gap_in_the_data_leaves_no_file()
    {
        var release = new TaskCompletionSource();
        await using var server = new FakeFilesServer(async (socket, stop) =>
        {
            await FakeFilesServer.SendAllAsync(socket, [.. Header(true, 1000), .. new byte[500]]);
            await release.Task.WaitAsync(stop);
        });
        var error = await Should.ThrowAsync<PeerTimeoutException>(() => DownloadAsync(server.Port).Within());
        release.SetResult();
        error.Message.ShouldBe("receiving file data (500 of 1000 bytes): no progress for 0.3 s (gap rule)");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Server_not_closing_after_the_data_leaves_no_file()
    {
        var release = new TaskCompletionSource();
        await using var server = new FakeFilesServer(async (socket, stop) =>
        {
            await FakeFilesServer.SendAllAsync(socket, [.. Header(true, 3), 1, 2, 3]);
            await release.Task.WaitAsync(stop);
        });
        var error = await Should.ThrowAsync<PeerTimeoutException>(() => DownloadAsync(server.Port).Within());
        release.SetResult();
        error.Message.ShouldContain("waiting for the server to close after the data");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Interrupt_mid_transfer_leaves_no_file()
    {
        var halfSent = new TaskCompletionSource();
        await using var server = new FakeFilesServer(async (socket, stop) =>
        {
            await FakeFilesServer.SendAllAsync(socket, [.. Header(true, 1000), .. new byte[400]]);
            halfSent.SetResult();
            await Task.Delay(Timeout.Infinite, stop);
        });
        using var ctrlC = new CancellationTokenSource();
        var download = FilesClient.DownloadAsync("127.0.0.1", server.Port, "out.bin", TransportLimits.Default, null, ctrlC.Token, saveAs: Target);
        await halfSent.Task.Within();
        await Deadline.Until(() => _dir.Entries().Length == 1, "temporary file created");
        await ctrlC.CancelAsync();

        await Should.ThrowAsync<OperationCanceledException>(() => download.Within());
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Existing_file_is_refused_before_connecting_and_left_untouched()
    {
        File.WriteAllText(Target, "precious");
        // Nobody listens on this port: reaching the network would be a connection error instead.
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var closedPort = ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;

        var error = await Should.ThrowAsync<SwitchboardException>(() => DownloadAsync(closedPort));
        error.Message.ShouldBe("'" + Target + "' already exists here; not overwriting it");
        File.ReadAllText(Target).ShouldBe("precious");
    }

    [Fact]
    public async Task Dangling_symbolic_link_counts_as_existing()
    {
        File.CreateSymbolicLink(Target, _dir["nowhere"]);
        (await Should.ThrowAsync<SwitchboardException>(() => DownloadAsync(1))).Message.ShouldContain("already exists");
        File.Exists(_dir["nowhere"]).ShouldBeFalse();
    }

    [Fact]
    public async Task Nobody_listening_is_a_connection_error()
    {
        using var probe = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        var closedPort = ((System.Net.IPEndPoint)probe.LocalEndPoint!).Port;

        (await Should.ThrowAsync<ConnectFailedException>(() => DownloadAsync(closedPort))).Message.ShouldContain("connection refused");
        _dir.Entries().ShouldBeEmpty();
    }

    [Fact]
    public async Task Downloads_from_the_real_server_byte_exact()
    {
        await using var server = await FilesServerFixture.StartAsync();
        var content = new byte[5 * 1024 * 1024 + 3];
        new Random(5).NextBytes(content);
        server.Write("sub/real.bin", content);

        var result = await FilesClient.DownloadAsync("localhost", server.Port, "sub/real.bin", Quick, null, CancellationToken.None, saveAs: Target).Within();

        result.Bytes.ShouldBe(content.Length);
        File.ReadAllBytes(Target).AsSpan().SequenceEqual(content).ShouldBeTrue();
        _dir.Entries().ShouldBe(["out.bin"]);
    }

    [Fact]
    public async Task Real_server_not_found_leaves_no_file()
    {
        await using var server = await FilesServerFixture.StartAsync();
        (await Should.ThrowAsync<SwitchboardException>(() => FilesClient.DownloadAsync("127.0.0.1", server.Port, "../secret.txt", Quick, null, CancellationToken.None, saveAs: Target)))
            .Message.ShouldContain("not found on server");
        _dir.Entries().ShouldBeEmpty();
    }
}
