using System.Net.Sockets;
using Switchboard.Protocol.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Files;

/// <summary>Requests that break the protocol: logged, closed, nothing sent. And peers that stall.</summary>
public sealed class FilesServerRejectTests
{
    private static async Task ShouldBeClosedSilently(FilesServerFixture server, byte[] request, string logFragment)
    {
        await using var client = await RawTcp.ConnectAsync(server.Port);
        await client.SendAsync(request);
        (await client.ReadToEndAsync()).ShouldBeEmpty();
        (await server.Logs.WaitForAsync("rejected")).ShouldContain(logFragment);
    }

    [Fact]
    public async Task Wrong_magic_is_rejected_with_nothing_sent()
    {
        await using var server = await FilesServerFixture.StartAsync();
        await ShouldBeClosedSilently(server, [0xAE, 0x73, 0x01, 0x00, 0x01, (byte)'a'], "MagicNo is 0xAE73, expected 0x497E");
    }

    [Fact]
    public async Task Wrong_type_is_rejected_with_nothing_sent()
    {
        await using var server = await FilesServerFixture.StartAsync();
        await ShouldBeClosedSilently(server, [0x49, 0x7E, 0x02, 0x00, 0x01, (byte)'a'], "Type is 2");
    }

    [Fact]
    public async Task FilenameLen_zero_is_rejected_with_nothing_sent()
    {
        await using var server = await FilesServerFixture.StartAsync();
        await ShouldBeClosedSilently(server, [0x49, 0x7E, 0x01, 0x00, 0x00], "FilenameLen is 0");
    }

    [Fact]
    public async Task FilenameLen_over_1024_is_rejected_with_nothing_sent()
    {
        await using var server = await FilesServerFixture.StartAsync();
        await ShouldBeClosedSilently(server, [0x49, 0x7E, 0x01, 0x04, 0x01], "FilenameLen is 1025");
    }

    [Fact]
    public async Task Bytes_past_the_name_are_rejected_as_the_handout_clients_character_count()
    {
        await using var server = await FilesServerFixture.StartAsync();
        server.Write("é.txt", "e"u8.ToArray());
        // The handout's client announces len("é.txt") = 5 characters but sends 6 bytes.
        byte[] request = [0x49, 0x7E, 0x01, 0x00, 0x05, .. "é.txt"u8.ToArray()];
        await ShouldBeClosedSilently(server, request, "followed the name");
    }

    [Fact]
    public async Task Name_cut_short_by_a_close_is_rejected()
    {
        await using var server = await FilesServerFixture.StartAsync();
        await using var client = await RawTcp.ConnectAsync(server.Port);
        await client.SendAsync(new byte[] { 0x49, 0x7E, 0x01, 0x00, 0x09, (byte)'a', (byte)'b' });
        client.ShutdownSend();
        (await client.ReadToEndAsync()).ShouldBeEmpty();
        (await server.Logs.WaitForAsync("rejected")).ShouldContain("incomplete FileRequest");
    }

    [Fact]
    public async Task Silent_client_is_cut_off_by_the_gap_rule()
    {
        await using var server = await FilesServerFixture.StartAsync(gap: TimeSpan.FromMilliseconds(250));
        await using var client = await RawTcp.ConnectAsync(server.Port);

        (await client.ReadToEndAsync(TimeSpan.FromSeconds(3))).ShouldBeEmpty();
        (await server.Logs.WaitForAsync("rejected")).ShouldContain("no progress for 0.25 s (gap rule)");
    }

    [Fact]
    public async Task Client_stalling_mid_request_is_cut_off_by_the_gap_rule()
    {
        await using var server = await FilesServerFixture.StartAsync(gap: TimeSpan.FromMilliseconds(250));
        await using var client = await RawTcp.ConnectAsync(server.Port);
        await client.SendAsync(new byte[] { 0x49, 0x7E, 0x01, 0x00, 0x09, (byte)'a' });

        (await client.ReadToEndAsync(TimeSpan.FromSeconds(3))).ShouldBeEmpty();
        (await server.Logs.WaitForAsync("rejected")).ShouldContain("gap rule");
    }

    [Fact]
    public async Task Request_trickling_past_the_deadline_is_cut_off()
    {
        await using var server = await FilesServerFixture.StartAsync(gap: TimeSpan.FromMilliseconds(300), requestTimeout: TimeSpan.FromMilliseconds(600));
        await using var client = await RawTcp.ConnectAsync(server.Port);
        var request = FileRequestCodec.Encode(FileRequest.For(new string('a', 100)));
        var closed = client.ReadToEndAsync(TimeSpan.FromSeconds(5));
        try
        {
            // Each byte well inside the gap, so only the whole-request deadline can end this.
            foreach (var b in request)
            {
                await client.SendAsync(new[] { b });
                await Task.WhenAny(closed, Task.Delay(50));
                if (closed.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (SocketException)
        {
            // The server closed while we were still sending: what this test wants.
        }
        (await closed).ShouldBeEmpty();
        (await server.Logs.WaitForAsync("rejected")).ShouldContain("not complete within 0.6 s");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Reader_that_stops_reading_is_cut_off_without_delaying_others(bool zeroCopy)
    {
        await using var server = await FilesServerFixture.StartAsync(zeroCopy, gap: TimeSpan.FromMilliseconds(300));
        using (var big = new FileStream(Path.Join(server.Root, "big.bin"), FileMode.CreateNew))
        {
            big.SetLength(512L * 1024 * 1024);
        }
        server.Write("small.txt", "small"u8.ToArray());

        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await stalled.ConnectAsync(System.Net.IPAddress.Loopback, server.Port).Within();
        await stalled.SendAsync(FileRequestCodec.Encode(FileRequest.For("big.bin")));
        // ... and never reads.

        (await server.RequestAsync("small.txt").Within(TimeSpan.FromSeconds(2))).ShouldCarry("small"u8.ToArray());
        var line = await server.Logs.WaitForAsync("'big.bin': status 1, stopped after", TimeSpan.FromSeconds(5));
        line.ShouldEndWith(": sending file data: no progress for 0.3 s (gap rule)");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Slow_but_steady_reader_gets_the_whole_file(bool zeroCopy)
    {
        await using var server = await FilesServerFixture.StartAsync(zeroCopy, gap: TimeSpan.FromMilliseconds(300));
        var content = new byte[6 * 1024 * 1024];
        new Random(3).NextBytes(content);
        server.Write("slow.bin", content);

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await socket.ConnectAsync(System.Net.IPAddress.Loopback, server.Port).Within();
        await socket.SendAsync(FileRequestCodec.Encode(FileRequest.For("slow.bin")));
        var received = new MemoryStream();
        var buffer = new byte[32 * 1024];
        while (true)
        {
            // About 6 MB/s: far slower than loopback, so the server's sends are paced by this reader.
            var n = await socket.ReceiveAsync(buffer).Within();
            if (n == 0)
            {
                break;
            }
            received.Write(buffer, 0, n);
            await Task.Delay(5);
        }
        new FilesServerFixture.Response(received.ToArray()).ShouldCarry(content);
    }
}
