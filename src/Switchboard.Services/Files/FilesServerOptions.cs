using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Files;

/// <summary>What a files server serves and how.</summary>
/// <param name="Root">The directory served; nothing outside it ever is.</param>
public sealed record FilesServerOptions(FilesRoot Root)
{
    public TransportLimits Limits { get; init; } = TransportLimits.Default;

    /// <summary>
    /// Send file bytes with the kernel's zero-copy path (sendfile, via <c>Socket.SendPacketsAsync</c>)
    /// when the transport exposes its socket. Off: bytes are read into the connection's output pipe.
    /// </summary>
    public bool ZeroCopy { get; init; } = true;

    /// <summary>
    /// Serve regular files with more than one hard link. Off by default: a hard link is another name for the
    /// same file, possibly outside the root, and nothing on the opened handle says which name is the "real"
    /// one, so a stray link made by an administrator could publish a file from anywhere on the file system.
    /// </summary>
    public bool AllowHardLinks { get; init; }

    /// <summary>Bounds of the adaptive send chunk, used where TCP_INFO cannot show progress; see <see cref="ChunkSizer"/>.</summary>
    public int MinChunkBytes { get; init; } = 64 * 1024;

    /// <inheritdoc cref="MinChunkBytes"/>
    public int MaxChunkBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>
    /// One zero-copy send for the whole file where TCP_INFO shows progress. Off only in tests, to exercise on
    /// Linux the chunked path that systems without TCP_INFO take.
    /// </summary>
    internal bool WholeFileSends { get; init; } = true;
}
