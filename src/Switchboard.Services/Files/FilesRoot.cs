using Switchboard.Protocol;

namespace Switchboard.Services.Files;

/// <summary>
/// The directory the files server serves, with its real path (every symbolic link resolved) fixed at
/// start-up: opened files are checked against it, so a later swap of a link cannot widen what is served.
/// </summary>
public sealed class FilesRoot
{
    private FilesRoot(string realPath) => RealPath = realPath;

    /// <summary>The root's canonical path, without a trailing separator (except for <c>/</c>).</summary>
    public string RealPath { get; }

    /// <summary>Resolves <paramref name="path"/> to a real directory.</summary>
    /// <param name="createIfMissing">Create it (and parents) when absent, for <c>switchboard up</c>'s default folder.</param>
    /// <exception cref="SwitchboardException">It does not exist (and may not be created), or is not a directory.</exception>
    public static FilesRoot Open(string path, bool createIfMissing = false)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new SwitchboardException("--root is empty: give a directory to serve");
        }
        string full;
        try
        {
            full = Path.GetFullPath(path);
            if (createIfMissing && !Path.Exists(full))
            {
                Directory.CreateDirectory(full);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new SwitchboardException($"--root '{path}': {e.Message}", e);
        }
        if (!Directory.Exists(full))
        {
            throw new SwitchboardException(File.Exists(full)
                ? $"--root '{path}' is a file, not a directory"
                : $"--root '{path}' does not exist");
        }
        // Linux asks the kernel, the same source the per-file check uses, so the two always agree.
        var real = LinuxFiles.IsSupported ? LinuxFiles.RealPath(full) : null;
        return new FilesRoot(real ?? Canonical(full));
    }

    /// <summary>True when <paramref name="realPath"/> (already canonical) names something strictly inside the root.</summary>
    public bool Contains(string realPath)
    {
        var prefix = RealPath.EndsWith(Path.DirectorySeparatorChar) ? RealPath : RealPath + Path.DirectorySeparatorChar;
        return realPath.Length > prefix.Length && realPath.StartsWith(prefix, StringComparison.Ordinal);
    }

    /// <summary>Resolves every symbolic link on the way to <paramref name="full"/> (an absolute path to an existing directory).</summary>
    private static string Canonical(string full)
    {
        // Walk from the top so links in the middle of the path are resolved too, not just the last one.
        var root = Path.GetPathRoot(full)!;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            var next = Path.Join(current, part);
            var target = new DirectoryInfo(next).ResolveLinkTarget(returnFinalTarget: true);
            current = target is null ? next : Canonical(Path.GetFullPath(target.FullName));
        }
        return current.Length > root.Length ? current.TrimEnd(Path.DirectorySeparatorChar) : current;
    }
}
