using System.Runtime.InteropServices;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Processes;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class FilesProcessTests
{
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string newPath);

    /// <summary>A root holding <c>linked.txt</c>, a hard link to a file beside the root.</summary>
    private static string RootWithHardLink(TempDirectory dir)
    {
        var root = Path.Combine(dir.Path, "shared");
        Directory.CreateDirectory(root);
        var outside = Path.Combine(dir.Path, "outside.txt");
        File.WriteAllText(outside, "linked");
        Link(outside, Path.Combine(root, "linked.txt")).ShouldBe(0, $"link failed: errno {Marshal.GetLastPInvokeError()}");
        return root;
    }

    private static readonly byte[] Linked = [0x49, 0x7E, 2, 1, 0, 0, 0, 6, .. "linked"u8.ToArray()];
    private static readonly byte[] NotFound = [0x49, 0x7E, 2, 0, 0, 0, 0, 0];

    [Fact]
    public async Task Files_server_refuses_a_hard_link_unless_allow_hardlinks()
    {
        using var dir = new TempDirectory();
        var root = RootWithHardLink(dir);
        int strictPort = FreePort.OnLoopback(), allowingPort = FreePort.OnLoopback();
        await using var strict = SwitchboardProcess.Start("files", "server", strictPort.ToString(), "--root", root, "--bind", "127.0.0.1");
        await using var allowing = SwitchboardProcess.Start("files", "server", allowingPort.ToString(), "--root", root, "--bind", "127.0.0.1", "--allow-hardlinks");
        await strict.WaitForStderrAsync("listening on");
        await allowing.WaitForStderrAsync("listening on");

        (await FetchAsync(strictPort, "linked.txt")).ShouldBe(NotFound);
        await strict.WaitForStderrAsync("'linked.txt': status 0 (has 2 hard links");
        (await FetchAsync(allowingPort, "linked.txt")).ShouldBe(Linked, allowing.Stderr);
    }

    [Fact]
    public async Task Up_passes_files_allow_hardlinks_to_the_files_service()
    {
        using var dir = new TempDirectory();
        var root = RootWithHardLink(dir);
        int mailboxPort = FreePort.OnLoopback(), filesPort = FreePort.OnLoopback(), echoPort = FreePort.OnLoopback();
        int chatPort = FreePort.OnLoopback(), chatObserverPort = FreePort.OnLoopback();
        await using var up = SwitchboardProcess.Start("up", "--bind", "127.0.0.1",
            "--mailbox-port", mailboxPort.ToString(), "--mailbox-store", "memory",
            "--files-port", filesPort.ToString(), "--files-root", root, "--files-allow-hardlinks", "--echo-port", echoPort.ToString(),
            "--chat-port", chatPort.ToString(), "--chat-observer-port", chatObserverPort.ToString(),
            "--chat-web-port", FreePort.OnLoopback().ToString());
        await up.WaitForStderrAsync($"files listening on 127.0.0.1:{filesPort}");

        (await FetchAsync(filesPort, "linked.txt")).ShouldBe(Linked, up.Stderr);
    }

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
