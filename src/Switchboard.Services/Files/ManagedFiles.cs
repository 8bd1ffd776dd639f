using Switchboard.Protocol.Files;

namespace Switchboard.Services.Files;

/// <summary>
/// The portable fallback for systems without <see cref="LinuxFiles"/>: the same checks, but the location
/// check resolves links by name after opening, so a link swapped in at just the wrong moment could slip
/// through. Documented in docs/files-protocol.md; Linux (the deployment target) uses the handle-based check.
/// </summary>
internal static class ManagedFiles
{
    public static FileOpenResult Open(FilesRoot root, string path)
    {
        if (Directory.Exists(path))
        {
            return FileOpenResult.Refused(FileRefusal.Directory, "a directory");
        }
        FileStream file;
        try
        {
            file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.Asynchronous);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or PathTooLongException)
        {
            return FileOpenResult.Refused(FileRefusal.Missing, "no such file");
        }
        catch (UnauthorizedAccessException)
        {
            return FileOpenResult.Refused(FileRefusal.Unreadable, "permission denied");
        }
        catch (IOException e)
        {
            return FileOpenResult.Refused(FileRefusal.Unreadable, $"cannot open: {e.Message}");
        }
        try
        {
            var real = FilesRoot.Open(Path.GetDirectoryName(path)!).RealPath;
            var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true);
            var full = target is null
                ? Path.Join(real, Path.GetFileName(path))
                : Path.Join(FilesRoot.Open(Path.GetDirectoryName(target.FullName)!).RealPath, target.Name);
            if (!root.Contains(full))
            {
                file.Dispose();
                return FileOpenResult.Refused(FileRefusal.OutsideRoot, $"outside the root (resolves to {full})");
            }
            if (!file.CanSeek)
            {
                file.Dispose();
                return FileOpenResult.Refused(FileRefusal.NotRegular, "not a regular file");
            }
            var length = file.Length;
            if (length > FilesWire.MaxDataLength)
            {
                file.Dispose();
                return FileOpenResult.Refused(FileRefusal.TooLarge, $"{length} bytes, more than DataLength (u32) can say");
            }
            return FileOpenResult.Opened(file, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Protocol.SwitchboardException)
        {
            file.Dispose();
            return FileOpenResult.Refused(FileRefusal.Unreadable, $"cannot verify: {e.Message}");
        }
    }
}
