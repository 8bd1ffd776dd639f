using System.Diagnostics;
using Switchboard.Protocol.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Files;

public sealed class FilesServerTests
{
    private static byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Serves_a_small_file_then_closes(bool zeroCopy)
    {
        await using var server = await FilesServerFixture.StartAsync(zeroCopy);
        server.Write("hello.txt", "hello, world\n"u8.ToArray());

        (await server.RequestAsync("hello.txt")).ShouldCarry("hello, world\n"u8.ToArray());
        var line = await server.Logs.WaitForAsync("'hello.txt': status 1");
        line.ShouldContain("sent 13 bytes");
        line.ShouldContain("127.0.0.1:");
        line.ShouldContain(" ms");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Serves_an_empty_file_as_status_1_length_0(bool zeroCopy)
    {
        await using var server = await FilesServerFixture.StartAsync(zeroCopy);
        server.Write("empty", []);

        var response = await server.RequestAsync("empty");
        response.Bytes.ShouldBe(new byte[] { 0x49, 0x7E, 0x02, 0x01, 0, 0, 0, 0 });
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Serves_a_multi_megabyte_binary_file_byte_exact(bool zeroCopy)
    {
        await using var server = await FilesServerFixture.StartAsync(zeroCopy);
        var content = RandomBytes(9 * 1024 * 1024 + 7);
        server.Write("data.bin", content);

        (await server.RequestAsync("data.bin")).ShouldCarry(content);
    }

    [Fact]
    public async Task Serves_a_file_in_a_subfolder()
    {
        await using var server = await FilesServerFixture.StartAsync();
        server.Write("a/b/c.txt", "deep"u8.ToArray());

        (await server.RequestAsync("a/b/c.txt")).ShouldCarry("deep"u8.ToArray());
    }

    [Fact]
    public async Task Serves_a_file_with_a_utf8_name()
    {
        await using var server = await FilesServerFixture.StartAsync();
        server.Write("données/résumé ✓ 日本.txt", "ünïcödé"u8.ToArray());

        (await server.RequestAsync("données/résumé ✓ 日本.txt")).ShouldCarry("ünïcödé"u8.ToArray());
    }

    [Fact]
    public async Task Accepts_a_request_arriving_one_byte_at_a_time()
    {
        await using var server = await FilesServerFixture.StartAsync();
        server.Write("x.txt", "x"u8.ToArray());

        await using var client = await RawTcp.ConnectAsync(server.Port);
        await client.SendByteByByteAsync(FileRequestCodec.Encode(FileRequest.For("x.txt")));
        new FilesServerFixture.Response(await client.ReadToEndAsync()).ShouldCarry("x"u8.ToArray());
    }

    [Fact]
    public async Task Follows_a_symbolic_link_that_stays_inside_the_root()
    {
        await using var server = await FilesServerFixture.StartAsync();
        server.Write("real/target.txt", "inside"u8.ToArray());
        File.CreateSymbolicLink(Path.Join(server.Root, "alias.txt"), "real/target.txt");

        (await server.RequestAsync("alias.txt")).ShouldCarry("inside"u8.ToArray());
    }

    [Fact]
    public async Task Missing_file_is_status_0()
    {
        await using var server = await FilesServerFixture.StartAsync();
        (await server.RequestAsync("nope.txt")).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("'nope.txt': status 0")).ShouldContain("no such file");
    }

    [Fact]
    public async Task Directory_is_status_0()
    {
        await using var server = await FilesServerFixture.StartAsync();
        Directory.CreateDirectory(Path.Join(server.Root, "folder"));

        (await server.RequestAsync("folder")).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("'folder': status 0")).ShouldContain("a directory");
        (await server.RequestAsync(".")).ShouldBeNotFound();
    }

    [Theory]
    [InlineData("../secret.txt")]
    [InlineData("sub/../../secret.txt")]
    [InlineData("..")]
    [InlineData("..\\secret.txt")]
    public async Task Parent_traversal_is_status_0(string name)
    {
        await using var server = await FilesServerFixture.StartAsync();
        Directory.CreateDirectory(Path.Join(server.Root, "sub"));

        (await server.RequestAsync(name)).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("status 0")).ShouldContain("'..'");
    }

    [Fact]
    public async Task Absolute_path_is_status_0_even_inside_the_root()
    {
        await using var server = await FilesServerFixture.StartAsync();
        var inside = server.Write("in.txt", "in"u8.ToArray());

        (await server.RequestAsync(server.Secret)).ShouldBeNotFound();
        (await server.RequestAsync(inside)).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("status 0")).ShouldContain("absolute path");
    }

    [Fact]
    public async Task Symbolic_link_leaving_the_root_is_status_0()
    {
        await using var server = await FilesServerFixture.StartAsync();
        File.CreateSymbolicLink(Path.Join(server.Root, "escape.txt"), server.Secret);
        File.CreateSymbolicLink(Path.Join(server.Root, "relative-escape.txt"), "../secret.txt");

        (await server.RequestAsync("escape.txt")).ShouldBeNotFound();
        (await server.RequestAsync("relative-escape.txt")).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("'escape.txt': status 0")).ShouldContain("outside the root");
    }

    [Fact]
    public async Task Symbolic_link_to_a_folder_outside_the_root_is_status_0()
    {
        await using var server = await FilesServerFixture.StartAsync();
        File.CreateSymbolicLink(Path.Join(server.Root, "up"), Path.GetDirectoryName(server.Secret)!);

        (await server.RequestAsync("up/secret.txt")).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("'up/secret.txt': status 0")).ShouldContain("outside the root");
    }

    [Fact]
    public async Task Invalid_utf8_name_is_status_0()
    {
        await using var server = await FilesServerFixture.StartAsync();
        // Overlong encodings of "../": the classic trick for getting ".." past a byte-level filter.
        byte[] name = [0xC0, 0xAE, 0xC0, 0xAE, 0xC0, 0xAF, .. "secret.txt"u8.ToArray()];
        byte[] request = [0x49, 0x7E, 0x01, 0x00, (byte)name.Length, .. name];

        (await server.RequestAsync(request)).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("status 0")).ShouldContain("not valid UTF-8");
    }

    [Fact]
    public async Task Name_with_a_nul_byte_is_status_0()
    {
        await using var server = await FilesServerFixture.StartAsync();
        server.Write("a.txt", "a"u8.ToArray());

        (await server.RequestAsync("a.txt\0.png")).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("status 0")).ShouldContain("NUL");
    }

    [Fact]
    public async Task Fifo_is_status_0_without_blocking_the_server()
    {
        await using var server = await FilesServerFixture.StartAsync();
        using (var mkfifo = Process.Start("mkfifo", Path.Join(server.Root, "pipe")))
        {
            await mkfifo.WaitForExitAsync().Within();
            mkfifo.ExitCode.ShouldBe(0);
        }

        (await server.RequestAsync("pipe").Within(TimeSpan.FromSeconds(5))).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("'pipe': status 0")).ShouldContain("not a regular file");
    }

    [Fact]
    public async Task File_larger_than_a_u32_is_status_0()
    {
        await using var server = await FilesServerFixture.StartAsync();
        // Sparse: 4 GiB of nothing on disk.
        using (var huge = new FileStream(Path.Join(server.Root, "huge.bin"), FileMode.CreateNew))
        {
            huge.SetLength(uint.MaxValue + 1L);
        }

        (await server.RequestAsync("huge.bin")).ShouldBeNotFound();
        (await server.Logs.WaitForAsync("'huge.bin': status 0")).ShouldContain("4294967296 bytes");
    }

    [Fact]
    public async Task A_link_swapped_in_during_requests_never_leaks_the_outside_file()
    {
        await using var server = await FilesServerFixture.StartAsync();
        var inside = "inside, harmless"u8.ToArray();
        var name = Path.Join(server.Root, "swap.txt");
        var plain = server.Write("plain.txt", inside);
        File.WriteAllBytes(name, inside);

        using var stop = new CancellationTokenSource();
        // Flips swap.txt between a regular file and a link to the secret, by atomic renames, as fast as it can.
        var swapper = Task.Run(() =>
        {
            var flips = 0;
            while (!stop.IsCancellationRequested)
            {
                var staging = Path.Join(server.Root, $".staging-{flips % 2}");
                File.Delete(staging);
                if (flips++ % 2 == 0)
                {
                    File.CreateSymbolicLink(staging, server.Secret);
                }
                else
                {
                    File.Copy(plain, staging);
                }
                File.Move(staging, name, overwrite: true);
            }
            return flips;
        });

        var served = 0;
        var refused = 0;
        for (var i = 0; i < 150; i++)
        {
            var response = await server.RequestAsync("swap.txt");
            if (response.Status == 1)
            {
                response.ShouldCarry(inside);
                served++;
            }
            else
            {
                response.ShouldBeNotFound();
                refused++;
            }
        }
        await stop.CancelAsync();
        (await swapper.Within()).ShouldBeGreaterThan(2);
        (served + refused).ShouldBe(150);
    }

    [Fact]
    public async Task Serves_parallel_downloads_byte_exact()
    {
        await using var server = await FilesServerFixture.StartAsync();
        var contents = Enumerable.Range(0, 4).Select(i => RandomBytes((i + 1) * 1024 * 1024 + i)).ToArray();
        for (var i = 0; i < contents.Length; i++)
        {
            server.Write($"f{i}.bin", contents[i]);
        }

        var downloads = Enumerable.Range(0, 12).Select(async i =>
        {
            var response = await server.RequestAsync($"f{i % 4}.bin");
            response.ShouldCarry(contents[i % 4]);
        });
        await Task.WhenAll(downloads).Within();
    }
}
