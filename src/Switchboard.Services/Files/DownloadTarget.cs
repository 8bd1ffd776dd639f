using Switchboard.Protocol;
using Switchboard.Protocol.Files;

namespace Switchboard.Services.Files;

/// <summary>
/// Where a download lands, and the temporary file beside it that receives the bytes. The target is only
/// ever created by renaming a complete temporary file into place, and never over an existing file.
/// </summary>
internal sealed class DownloadTarget : IAsyncDisposable
{
    private readonly string _tempPath;
    private FileStream? _temp;
    private bool _committed;

    private DownloadTarget(string path, string tempPath, FileStream temp)
    {
        Path = path;
        _tempPath = tempPath;
        _temp = temp;
    }

    public string Path { get; }

    public FileStream Stream => _temp ?? throw new ObjectDisposedException(nameof(DownloadTarget));

    /// <summary>Checks FILENAME before any connection is made: a valid request name whose local path is free.</summary>
    /// <exception cref="InvalidValueException">The name cannot be requested (empty, over 1024 bytes, NUL, a folder name).</exception>
    /// <exception cref="SwitchboardException">Something already exists at the path, or its folder does not.</exception>
    public static string Check(string fileName, bool checkLocalPath = true)
    {
        if (fileName.Length == 0)
        {
            throw new InvalidValueException("FILENAME is empty");
        }
        var bytes = Utf8Text.ByteCount(fileName);
        if (bytes > FilesWire.MaxFilenameBytes)
        {
            throw new InvalidValueException($"FILENAME is {Utf8Text.Bytes(bytes)} in UTF-8, expected at most {FilesWire.MaxFilenameBytes}");
        }
        if (fileName.Contains('\0'))
        {
            throw new InvalidValueException("FILENAME contains a NUL character");
        }
        if (fileName.EndsWith('/') || fileName.EndsWith(System.IO.Path.DirectorySeparatorChar))
        {
            throw new InvalidValueException($"FILENAME {FileNameDisplay.Format(fileName)} names a folder, not a file");
        }
        if (!checkLocalPath)
        {
            return fileName;
        }
        string full;
        try
        {
            full = System.IO.Path.GetFullPath(fileName);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new InvalidValueException($"FILENAME {FileNameDisplay.Format(fileName)} is not a usable local path: {e.Message}");
        }
        // A dangling symbolic link "exists" too: writing through it could land anywhere.
        if (System.IO.Path.Exists(full) || new FileInfo(full).LinkTarget is not null)
        {
            throw new SwitchboardException($"{FileNameDisplay.Format(fileName)} already exists here; not overwriting it");
        }
        var folder = System.IO.Path.GetDirectoryName(full)!;
        if (!Directory.Exists(folder))
        {
            throw new SwitchboardException($"cannot save {FileNameDisplay.Format(fileName)}: folder '{folder}' does not exist");
        }
        return full;
    }

    /// <summary>Creates a fresh temporary file in <paramref name="path"/>'s folder.</summary>
    public static DownloadTarget Create(string path)
    {
        var folder = System.IO.Path.GetDirectoryName(path)!;
        // Short and fixed-length, so a target name near the file system's limit still leaves room.
        var temp = System.IO.Path.Join(folder, $".switchboard-{Guid.NewGuid():N}.part");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
            return new DownloadTarget(path, temp, stream);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SwitchboardException($"cannot create a temporary file in '{folder}': {e.Message}", e);
        }
    }

    /// <summary>Makes the bytes durable, then renames the temporary file to the target, refusing to replace anything.</summary>
    public async Task CommitAsync(CancellationToken cancellationToken)
    {
        var stream = Stream;
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        stream.Flush(flushToDisk: true);
        await stream.DisposeAsync().ConfigureAwait(false);
        _temp = null;
        try
        {
            File.Move(_tempPath, Path, overwrite: false);
        }
        catch (IOException e)
        {
            throw new SwitchboardException($"cannot save {FileNameDisplay.Format(Path)}: {e.Message} (something appeared there during the download; not overwriting it)", e);
        }
        _committed = true;
    }

    /// <summary>Unless committed, removes the temporary file: a failed download leaves nothing behind.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_temp is not null)
        {
            await _temp.DisposeAsync().ConfigureAwait(false);
            _temp = null;
        }
        if (!_committed)
        {
            try
            {
                File.Delete(_tempPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Nothing better to do on the way out of a failure; the name is unmistakably temporary.
            }
        }
    }
}
