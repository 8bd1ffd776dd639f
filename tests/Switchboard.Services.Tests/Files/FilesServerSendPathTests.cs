using System.Net.Sockets;
using System.Text.RegularExpressions;
using Switchboard.Protocol.Files;
using Switchboard.Services.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Files;

/// <summary>
/// The zero-copy send's two shapes: one send for the whole file (Linux, TCP_INFO shows progress) and the
/// chunked one that systems without TCP_INFO take, forced here with <c>WholeFileSends = false</c>.
/// </summary>
public sealed class FilesServerSendPathTests
{
    private static Func<FilesServerOptions, FilesServerOptions> Chunked =>
        o => o with { WholeFileSends = false, MinChunkBytes = 4 * 1024, MaxChunkBytes = 64 * 1024 };

    [Fact]
    public async Task Chunked_sends_carry_a_multi_megabyte_file_byte_exact()
    {
        await using var server = await FilesServerFixture.StartAsync(configure: Chunked);
        var content = new byte[3 * 1024 * 1024 + 5];
        new Random(5).NextBytes(content);
        server.Write("data.bin", content);

        (await server.RequestAsync("data.bin")).ShouldCarry(content);
        (await server.Logs.WaitForAsync("'data.bin': status 1")).ShouldContain($"sent {content.Length} bytes");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_stopped_reader_is_cut_off_and_reported_with_what_it_acknowledged(bool wholeFile)
    {
        await using var server = await FilesServerFixture.StartAsync(gap: TimeSpan.FromMilliseconds(300), configure: wholeFile ? null : Chunked);
        var length = 64L * 1024 * 1024;
        server.WriteSparse("big.bin", length);

        using var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 64 * 1024 };
        await stalled.ConnectAsync(System.Net.IPAddress.Loopback, server.Port).Within();
        await stalled.SendAsync(FileRequestCodec.Encode(FileRequest.For("big.bin")));
        // ... and never reads: its kernel acknowledges what fits in the receive buffer, then nothing moves, so
        // the count reported is above 0 (what the reader has) and below the whole file.

        var line = await server.Logs.WaitForAsync("'big.bin': status 1, stopped after", TimeSpan.FromSeconds(5));
        line.ShouldEndWith(": sending file data: no progress for 0.3 s (gap rule)");
        var progress = Regex.Match(line, @"stopped after (\d+) of (\d+) bytes");
        progress.Success.ShouldBeTrue(line);
        long.Parse(progress.Groups[2].Value).ShouldBe(length);
        long.Parse(progress.Groups[1].Value).ShouldBeInRange(1, length - 1);
    }
}
