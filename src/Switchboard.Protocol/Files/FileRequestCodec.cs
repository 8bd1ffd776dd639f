using System.Buffers;
using System.Buffers.Binary;

namespace Switchboard.Protocol.Files;

/// <summary>
/// Encodes and decodes FileRequest records (handout 004) with the checks the handout's own server
/// meant to make (its <c>or</c> made them accept anything): MagicNo, Type = 1, FilenameLen 1-1024.
/// </summary>
public sealed class FileRequestCodec : IFrameDecoder<FileRequest>
{
    public const string RecordName = "FileRequest";

    /// <summary>Stateless; share it.</summary>
    public static FileRequestCodec Instance { get; } = new();

    /// <summary>Encodes <paramref name="request"/>. FilenameLen is the name's length in bytes (the handout's client wrongly counts characters).</summary>
    public static byte[] Encode(FileRequest request)
    {
        var name = request.NameBytes;
        var record = new byte[FilesWire.RequestHeaderSize + name.Length];
        BinaryPrimitives.WriteUInt16BigEndian(record, FilesWire.Magic);
        record[2] = FilesWire.RequestType;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)name.Length);
        name.CopyTo(record.AsSpan(FilesWire.RequestHeaderSize));
        return record;
    }

    /// <summary>Decodes one request, checking each header field as soon as its bytes arrive.</summary>
    public DecodeStatus TryDecode(in ReadOnlySequence<byte> input, out FileRequest frame, out SequencePosition consumed, out DecodeError error)
    {
        frame = null!;
        consumed = input.Start;
        error = default;
        var header = new FixedHeader(input, stackalloc byte[FilesWire.RequestHeaderSize]);
        if (!header.MagicIs(FilesWire.Magic, out error))
        {
            return DecodeStatus.Invalid;
        }
        if (header.Has(3) && header[2] != FilesWire.RequestType)
        {
            return FixedHeader.Fail(new DecodeError("Type", header[2].ToString(), "1 (FileRequest)", "bad-type"), out error);
        }
        if (!header.IsComplete)
        {
            return DecodeStatus.Incomplete;
        }
        var nameLen = header.U16(3);
        if (nameLen is < FilesWire.MinFilenameBytes or > FilesWire.MaxFilenameBytes)
        {
            error = new DecodeError("FilenameLen", nameLen.ToString(), "1-1024", "bad-filename-length");
            return DecodeStatus.Invalid;
        }
        long total = FilesWire.RequestHeaderSize + nameLen;
        if (input.Length < total)
        {
            return DecodeStatus.Incomplete;
        }
        Span<byte> name = stackalloc byte[nameLen];
        input.Slice(FilesWire.RequestHeaderSize, nameLen).CopyTo(name);
        frame = new FileRequest(name);
        consumed = input.GetPosition(total);
        return DecodeStatus.Complete;
    }
}
