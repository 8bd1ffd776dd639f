using Switchboard.Protocol.Files;

namespace Switchboard.Services.Files;

/// <summary>
/// Turns a requested name into an open regular file inside the root, or a reason for status 0.
/// The name is screened first (cheap, clear log reasons), but the safety does not rest on the
/// screening: the opened handle itself is checked, see <see cref="LinuxFiles"/>.
/// </summary>
public static class FileOpener
{
    /// <param name="allowHardLinks">Serve regular files with a link count above 1 (see <see cref="FilesServerOptions.AllowHardLinks"/>).</param>
    public static FileOpenResult Open(FilesRoot root, FileRequest request, bool allowHardLinks = false)
    {
        if (!request.TryGetName(out var name))
        {
            return FileOpenResult.Refused(FileRefusal.InvalidUtf8, "name is not valid UTF-8");
        }
        if (name.Contains('\0'))
        {
            return FileOpenResult.Refused(FileRefusal.NulByte, "name contains a NUL byte");
        }
        if (name[0] is '/' or '\\' || Path.IsPathRooted(name))
        {
            return FileOpenResult.Refused(FileRefusal.AbsolutePath, "absolute path");
        }
        // Backslash counts as a separator too, so "..\\x" is refused the same on every OS.
        if (name.Split('/', '\\').Any(segment => segment == ".."))
        {
            return FileOpenResult.Refused(FileRefusal.ParentSegment, "path contains '..'");
        }
        var path = Path.Join(root.RealPath, name);
        return LinuxFiles.IsSupported ? LinuxFiles.Open(root, path, allowHardLinks) : ManagedFiles.Open(root, path);
    }
}
