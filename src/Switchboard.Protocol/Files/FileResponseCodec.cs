using System.Buffers;
using System.Buffers.Binary;

namespace Switchboard.Protocol.Files;

/// <summary>The 8-byte fixed header of a FileResponse; <see cref="DataLength"/> file bytes follow it when <see cref="Found"/>.</summary>
public readonly record struct FileResponseHeader(bool Found, uint DataLength)
{
    /// <summary>Status 0: no file follows.</summary>
    public static FileResponseHeader NotFound { get; } = new(false, 0);
}

/// <summary>
/// Encodes and decodes the FileResponse fixed header (handout 004). The file bytes are not part of
/// the frame: they are streamed after it, so neither side holds a file in memory.
/// </summary>
public sealed class FileResponseCodec : IFrameDecoder<FileResponseHeader>
{
    public const string RecordName = "FileResponse";

    /// <summary>Stateless; share it.</summary>
    public static FileResponseCodec Instance { get; } = new();

    /// <summary>Writes the header into <paramref name="destination"/> (at least 8 bytes).</summary>
    /// <exception cref="ArgumentException">Status 0 with a non-zero DataLength, which the handout forbids.</exception>
    public static void WriteHeader(Span<byte> destination, FileResponseHeader header)
    {
        if (!header.Found && header.DataLength != 0)
        {
            throw new ArgumentException($"DataLength is {header.DataLength} with StatusCode 0, expected 0", nameof(header));
        }
        BinaryPrimitives.WriteUInt16BigEndian(destination, FilesWire.Magic);
        destination[2] = FilesWire.ResponseType;
        destination[3] = header.Found ? FilesWire.StatusFound : FilesWire.StatusNotFound;
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], header.DataLength);
    }

    /// <summary>The 8 header bytes.</summary>
    public static byte[] EncodeHeader(FileResponseHeader header)
    {
        var bytes = new byte[FilesWire.ResponseHeaderSize];
        WriteHeader(bytes, header);
        return bytes;
    }

    /// <summary>Decodes the header: MagicNo, Type = 2, StatusCode 0 or 1, DataLength 0 when status is 0.</summary>
    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out FileResponseHeader frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = default;
        consumed = input.Start;
        error = default;
        var h = new FixedHeader(input, stackalloc byte[FilesWire.ResponseHeaderSize]);
        if (!h.MagicIs(FilesWire.Magic, out error))
        {
            return DecodeStatus.Invalid;
        }
        if (h.Has(3) && h[2] != FilesWire.ResponseType)
        {
            return FixedHeader.Fail(new DecodeError("Type", h[2].ToString(), "2 (FileResponse)", "bad-type"), out error);
        }
        if (h.Has(4) && h[3] is not (FilesWire.StatusFound or FilesWire.StatusNotFound))
        {
            return FixedHeader.Fail(new DecodeError("StatusCode", h[3].ToString(), "0 or 1", "bad-status"), out error);
        }
        if (!h.IsComplete)
        {
            return DecodeStatus.Incomplete;
        }
        var length = h.U32(4);
        var found = h[3] == FilesWire.StatusFound;
        if (!found && length != 0)
        {
            error = new DecodeError("DataLength", length.ToString(), "0 when StatusCode is 0", "bad-data-length");
            return DecodeStatus.Invalid;
        }
        frame = new FileResponseHeader(found, length);
        consumed = input.GetPosition(FilesWire.ResponseHeaderSize);
        return DecodeStatus.Complete;
    }
}
