using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Processes;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesProcessTests
{
    [Fact]
    public async Task An_unreadable_file_is_status_0_and_the_reason_is_logged()
    {
        using var dir = new TempDirectory();
        var root = Path.Combine(dir.Path, "shared");
        Directory.CreateDirectory(root);
        // The server runs as an unprivileged user: it may enter the folders but not read the locked file.
        File.SetUnixFileMode(dir.Path, (UnixFileMode)0b111_101_101);
        File.SetUnixFileMode(root, (UnixFileMode)0b111_101_101);
        var locked = Path.Combine(root, "locked.txt");
        await File.WriteAllTextAsync(locked, "secret");
        File.SetUnixFileMode(locked, UnixFileMode.None);
        var open = Path.Combine(root, "open.txt");
        await File.WriteAllTextAsync(open, "public");
        File.SetUnixFileMode(open, (UnixFileMode)0b110_100_100);

        var port = FreePort.OnLoopback();
        await using var server = SwitchboardProcess.StartUnprivileged("files", "server", port.ToString(), "--root", root, "--bind", "127.0.0.1");
        await server.WaitForStderrAsync("listening on");

        byte[] expected = [0x49, 0x7E, 2, 1, 0, 0, 0, 6, .. "public"u8.ToArray()];
        (await FetchAsync(port, "open.txt")).ShouldBe(expected, server.Stderr);
        (await FetchAsync(port, "locked.txt")).ShouldBe(new byte[] { 0x49, 0x7E, 2, 0, 0, 0, 0, 0 });
        await server.WaitForStderrAsync("'locked.txt': status 0");
        server.Stderr.ShouldContain("permission denied");
    }

    private static async Task<byte[]> FetchAsync(int port, string name)
    {
        await using var tcp = await RawTcp.ConnectAsync(port);
        var bytes = System.Text.Encoding.UTF8.GetBytes(name);
        byte[] request = [0x49, 0x7E, 1, 0, (byte)bytes.Length, .. bytes];
        await tcp.SendAsync(request);
        return await tcp.ReadToEndAsync();
    }
}
