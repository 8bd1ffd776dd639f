namespace Switchboard.Services.Files;

/// <summary>Why a request gets status 0. Each has its own log wording and metric tag.</summary>
public enum FileRefusal
{
    None,
    InvalidUtf8,
    NulByte,
    AbsolutePath,
    ParentSegment,
    OutsideRoot,
    Missing,
    Unreadable,
    Directory,
    NotRegular,
    HardLink,
    TooLarge,
}

/// <summary>An opened, verified regular file inside the root, or the reason there is none.</summary>
public sealed class FileOpenResult : IDisposable
{
    private FileOpenResult(FileStream? file, long length, FileRefusal refusal, string detail)
    {
        File = file;
        Length = length;
        Refusal = refusal;
        Detail = detail;
    }

    /// <summary>The open file, positioned nowhere in particular (senders use explicit offsets); null when refused.</summary>
    public FileStream? File { get; }

    /// <summary>Size in bytes, as seen on the opened handle.</summary>
    public long Length { get; }

    public FileRefusal Refusal { get; }

    /// <summary>Human wording of <see cref="Refusal"/> for the log: <c>outside the root (resolves to /etc/passwd)</c>.</summary>
    public string Detail { get; }

    public bool Found => File is not null;

    /// <summary>A metric tag: <c>outside-root</c>, <c>missing</c>, ...</summary>
    public string Tag => Refusal switch
    {
        FileRefusal.InvalidUtf8 => "invalid-utf8",
        FileRefusal.NulByte => "nul-byte",
        FileRefusal.AbsolutePath => "absolute-path",
        FileRefusal.ParentSegment => "parent-segment",
        FileRefusal.OutsideRoot => "outside-root",
        FileRefusal.Missing => "missing",
        FileRefusal.Unreadable => "unreadable",
        FileRefusal.Directory => "directory",
        FileRefusal.NotRegular => "not-regular",
        FileRefusal.HardLink => "hard-link",
        FileRefusal.TooLarge => "too-large",
        _ => "found",
    };

    public static FileOpenResult Opened(FileStream file, long length) => new(file, length, FileRefusal.None, "found");

    public static FileOpenResult Refused(FileRefusal refusal, string detail) => new(null, 0, refusal, detail);

    public void Dispose() => File?.Dispose();
}
