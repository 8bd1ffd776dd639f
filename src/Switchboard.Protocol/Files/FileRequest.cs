using System.Text;

namespace Switchboard.Protocol.Files;

/// <summary>
/// A FileRequest as it travelled: the file name's raw bytes. They are kept raw rather than decoded
/// because a name that is not valid UTF-8 is still a well-formed request; the server answers it with
/// status 0 instead of dropping the connection (issue 3), so judging the name is the server's job.
/// </summary>
public sealed class FileRequest
{
    private readonly byte[] _name;

    /// <param name="nameBytes">The file name as sent, 1-1024 bytes; copied.</param>
    public FileRequest(ReadOnlySpan<byte> nameBytes)
    {
        if (nameBytes.Length is < FilesWire.MinFilenameBytes or > FilesWire.MaxFilenameBytes)
        {
            throw new ArgumentException($"file name is {Utf8Text.Bytes(nameBytes.Length)}, expected 1-1024", nameof(nameBytes));
        }
        _name = nameBytes.ToArray();
    }

    /// <summary>A request for <paramref name="fileName"/>, encoded as UTF-8.</summary>
    /// <exception cref="ArgumentException">The name is empty or longer than 1024 bytes in UTF-8.</exception>
    public static FileRequest For(string fileName) => new(Encoding.UTF8.GetBytes(fileName));

    /// <summary>The name exactly as received.</summary>
    public ReadOnlySpan<byte> NameBytes => _name;

    /// <summary>The name as text, or <c>false</c> when the bytes are not strict UTF-8 (overlong forms, surrogates, stray bytes).</summary>
    public bool TryGetName(out string name) => Utf8Text.TryDecode(_name.AsSpan(), out name);

    /// <summary>The name made safe to print in one log line: control characters escaped, invalid UTF-8 shown as hex.</summary>
    public string Display => FileNameDisplay.Format(_name);
}
