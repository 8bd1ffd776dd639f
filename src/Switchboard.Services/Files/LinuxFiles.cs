using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Switchboard.Services.Files;

/// <summary>
/// Opens files the race-free way on Linux: open first (never blocking, even on a FIFO), then judge the
/// opened handle — where it really is (<c>/proc/self/fd/N</c>) and what it is (<c>statx</c>) — so a
/// name swapped for a symbolic link between any check and the open cannot get a file outside the root served.
/// </summary>
internal static partial class LinuxFiles
{
    // Same values on x86-64 and arm64 (asm-generic); other architectures use the managed fallback.
    private const int O_RDONLY = 0;
    private const int O_NOCTTY = 0x100;
    private const int O_NONBLOCK = 0x800;
    private const int O_CLOEXEC = 0x80000;
    private const int AT_EMPTY_PATH = 0x1000;
    private const uint STATX_TYPE = 0x1;
    private const uint STATX_NLINK = 0x4;
    private const uint STATX_SIZE = 0x200;
    private const int S_IFMT = 0xF000;
    private const int S_IFREG = 0x8000;
    private const int S_IFDIR = 0x4000;
    private const int StatxSize = 256;
    private const int StatxMaskOffset = 0;
    private const int StatxNlinkOffset = 16;
    private const int StatxModeOffset = 28;
    private const int StatxSizeOffset = 40;

    private const int EPERM = 1, ENOENT = 2, EACCES = 13, ENOTDIR = 20, ENAMETOOLONG = 36, ELOOP = 40;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags);

    [DllImport("libc", EntryPoint = "statx", SetLastError = true)]
    private static extern int Statx(int dirfd, byte[] path, int flags, uint mask, byte[] statxbuf);

    private static readonly byte[] EmptyPath = [0];

    /// <summary>True on Linux x64/arm64 with <c>/proc</c> and <c>statx</c> available.</summary>
    public static bool IsSupported { get; } = Probe();

    /// <summary>The canonical path of the existing directory <paramref name="path"/>, as the kernel sees it.</summary>
    public static string? RealPath(string path)
    {
        var fd = Open(CString(path), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
        {
            return null;
        }
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        return FdPath(fd);
    }

    /// <summary>Opens <paramref name="path"/> (root + requested name) and verifies the opened file.</summary>
    public static FileOpenResult Open(FilesRoot root, string path, bool allowHardLinks)
    {
        var fd = Open(CString(path), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
        if (fd < 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            return errno switch
            {
                ENOENT or ENOTDIR or ENAMETOOLONG => FileOpenResult.Refused(FileRefusal.Missing, "no such file"),
                ELOOP => FileOpenResult.Refused(FileRefusal.Missing, "too many levels of symbolic links"),
                EACCES or EPERM => FileOpenResult.Refused(FileRefusal.Unreadable, "permission denied"),
                _ => FileOpenResult.Refused(FileRefusal.Unreadable, $"cannot open: {Marshal.GetPInvokeErrorMessage(errno)}"),
            };
        }
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            var real = FdPath(fd);
            if (real is null)
            {
                // Fail closed: a file whose location cannot be proven is not served.
                handle.Dispose();
                return FileOpenResult.Refused(FileRefusal.OutsideRoot, "cannot verify where the opened file lives");
            }
            if (!root.Contains(real))
            {
                handle.Dispose();
                return FileOpenResult.Refused(FileRefusal.OutsideRoot, $"outside the root (resolves to {real})");
            }
            var stat = new byte[StatxSize];
            if (Statx(fd, EmptyPath, AT_EMPTY_PATH, STATX_TYPE | STATX_SIZE | STATX_NLINK, stat) != 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                return FileOpenResult.Refused(FileRefusal.Unreadable, $"cannot stat: {Marshal.GetPInvokeErrorMessage(errno)}");
            }
            var mode = BitConverter.ToUInt16(stat, StatxModeOffset) & S_IFMT;
            var size = (long)BitConverter.ToUInt64(stat, StatxSizeOffset);
            if (mode == S_IFDIR)
            {
                handle.Dispose();
                return FileOpenResult.Refused(FileRefusal.Directory, "a directory");
            }
            if (mode != S_IFREG)
            {
                handle.Dispose();
                return FileOpenResult.Refused(FileRefusal.NotRegular, $"not a regular file (type 0x{mode:x4})");
            }
            // Judged on the opened handle like everything else: the count is the file's, whatever name reached it.
            var known = (BitConverter.ToUInt32(stat, StatxMaskOffset) & STATX_NLINK) != 0;
            var links = BitConverter.ToUInt32(stat, StatxNlinkOffset);
            if (!known && !allowHardLinks)
            {
                // Fail closed, like the location check: a count the file system will not give cannot be trusted to be 1.
                handle.Dispose();
                return FileOpenResult.Refused(FileRefusal.HardLink, "cannot tell its hard link count (--allow-hardlinks serves it)");
            }
            if (links > 1 && !allowHardLinks)
            {
                handle.Dispose();
                return FileOpenResult.Refused(FileRefusal.HardLink,
                    $"has {links} hard links (another name for it may be outside the root; --allow-hardlinks serves it)");
            }
            if (size > Protocol.Files.FilesWire.MaxDataLength)
            {
                handle.Dispose();
                return FileOpenResult.Refused(FileRefusal.TooLarge, $"{size} bytes, more than DataLength (u32) can say");
            }
            // SendPacketsElement only takes a FileStream opened as asynchronous, which a handle made from a raw
            // descriptor cannot be. Reopening through the /proc magic link yields the very file just verified
            // (the kernel follows the open file, not a name), so no swap can slip in here either.
            var stream = new FileStream($"/proc/self/fd/{fd}", new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.Asynchronous,
            });
            handle.Dispose();
            return FileOpenResult.Opened(stream, size);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static string? FdPath(int fd)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{fd}").LinkTarget;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static byte[] CString(string s)
    {
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }

    private static bool Probe()
    {
        if (!OperatingSystem.IsLinux()
            || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64)
            || !BitConverter.IsLittleEndian)
        {
            return false;
        }
        try
        {
            var stat = new byte[StatxSize];
            return Statx(-100 /* AT_FDCWD */, CString("/"), 0, STATX_TYPE, stat) == 0
                && (BinaryPrimitives.ReadUInt16LittleEndian(stat.AsSpan(StatxModeOffset)) & S_IFMT) == S_IFDIR
                && RealPath("/") == "/";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return false;
        }
    }
}
