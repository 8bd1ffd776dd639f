using System.Text;

namespace Switchboard.Check.Files;

/// <summary>
/// The files the files cases serve or expect: put into a launched server's folder, or sent by the scripted
/// server to a client under test. Content is fixed (the large file is a deterministic pseudo-random sequence),
/// so a difference can be reported by offset.
/// </summary>
public static class FilesFixtures
{
    public const string Small = "check-small.txt";
    public const string Empty = "check-empty.txt";
    public const string Large = "check-large.bin";

    /// <summary>Two-byte and four-byte UTF-8 characters: 15 characters, 20 bytes, so a character count is caught.</summary>
    public const string Utf8Name = "check-ünï-😀.txt";

    /// <summary>Never created: a request for it must get StatusCode 0.</summary>
    public const string Missing = "check-missing-file.txt";

    public static byte[] SmallContent { get; } = Encoding.UTF8.GetBytes("hello from switchboard check\n");

    public static byte[] Utf8Content { get; } = Encoding.UTF8.GetBytes("a file whose name is UTF-8: ünï 😀\n");

    /// <summary>3 MiB and 5 bytes: many times any recv() buffer, and not a multiple of one.</summary>
    public static byte[] LargeContent { get; } = Pseudorandom(3 * 1024 * 1024 + 5);

    /// <summary>Writes every fixture into <paramref name="folder"/>.</summary>
    public static async Task WriteAsync(string folder)
    {
        await File.WriteAllBytesAsync(Path.Combine(folder, Small), SmallContent).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(folder, Empty), []).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(folder, Large), LargeContent).ConfigureAwait(false);
        await File.WriteAllBytesAsync(Path.Combine(folder, Utf8Name), Utf8Content).ConfigureAwait(false);
    }

    private static byte[] Pseudorandom(int length)
    {
        var bytes = new byte[length];
        uint state = 0x497E2019;
        for (var i = 0; i < length; i++)
        {
            // xorshift32: every byte value occurs, and a shifted or repeated piece shows at its offset.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            bytes[i] = (byte)state;
        }
        return bytes;
    }
}
