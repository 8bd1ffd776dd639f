using System.Runtime.InteropServices;

namespace Switchboard.Services.Tests.Files;

/// <summary>A hard link is another name for a file, perhaps one outside the root: refused unless allowed.</summary>
public sealed class FilesServerHardLinkTests
{
    [DllImport("libc", EntryPoint = "link", SetLastError = true)]
    private static extern int Link(string existing, string newPath);

    private static void HardLink(string existing, string newPath) =>
        Link(existing, newPath).ShouldBe(0, $"link failed: errno {Marshal.GetLastPInvokeError()}");

    [Fact]
    public async Task Hard_link_to_a_file_outside_the_root_is_status_0()
    {
        await using var server = await FilesServerFixture.StartAsync();
        HardLink(server.Secret, Path.Join(server.Root, "linked.txt"));

        (await server.RequestAsync("linked.txt")).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("'linked.txt': status 0")).ShouldContain("has 2 hard links");
    }

    [Fact]
    public async Task Hard_linked_file_is_refused_under_either_name()
    {
        await using var server = await FilesServerFixture.StartAsync();
        var original = server.Write("original.txt", "twice named"u8.ToArray());
        HardLink(original, Path.Join(server.Root, "second.txt"));

        (await server.RequestAsync("original.txt")).ShouldBeNotFound();
        (await server.RequestAsync("second.txt")).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("'original.txt': status 0")).ShouldContain("--allow-hardlinks");
    }

    [Fact]
    public async Task Hard_linked_file_is_served_when_allowed()
    {
        await using var server = await FilesServerFixture.StartAsync(configure: o => o with { AllowHardLinks = true });
        HardLink(server.Secret, Path.Join(server.Root, "linked.txt"));

        (await server.RequestAsync("linked.txt")).ShouldCarry(File.ReadAllBytes(server.Secret));
        (await server.Logs.WaitForAsync("serving ")).ShouldContain("hard-linked files served");
    }

    [Fact]
    public async Task A_file_with_one_link_is_served_by_default()
    {
        await using var server = await FilesServerFixture.StartAsync();
        server.Write("single.txt", "one name"u8.ToArray());

        (await server.RequestAsync("single.txt")).ShouldCarry("one name"u8.ToArray());
        (await server.Logs.WaitForAsync("serving ")).ShouldContain("hard-linked files refused");
    }
}
