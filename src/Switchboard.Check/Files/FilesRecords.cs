using System.Buffers.Binary;
using System.Text;
using Switchboard.Protocol.Files;

namespace Switchboard.Check.Files;

/// <summary>Handout 004's records as the cases build them, including deliberately wrong ones.</summary>
public static class FilesRecords
{
    /// <summary>A FileRequest with the given fields; <paramref name="filenameLen"/> defaults to the name's UTF-8 byte count.</summary>
    public static byte[] Request(string name, ushort magic = FilesWire.Magic, byte type = FilesWire.RequestType, int? filenameLen = null)
    {
        var bytes = Encoding.UTF8.GetBytes(name);
        var record = new byte[FilesWire.RequestHeaderSize + bytes.Length];
        BinaryPrimitives.WriteUInt16BigEndian(record, magic);
        record[2] = type;
        BinaryPrimitives.WriteUInt16BigEndian(record.AsSpan(3), (ushort)(filenameLen ?? bytes.Length));
        bytes.CopyTo(record.AsSpan(FilesWire.RequestHeaderSize));
        return record;
    }

    /// <summary>A FileResponse header with the given fields (the codec refuses wrong ones, so it is built by hand).</summary>
    public static byte[] ResponseHeader(byte status, uint dataLength, ushort magic = FilesWire.Magic, byte type = FilesWire.ResponseType)
    {
        var header = new byte[FilesWire.ResponseHeaderSize];
        BinaryPrimitives.WriteUInt16BigEndian(header, magic);
        header[2] = type;
        header[3] = status;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), dataLength);
        return header;
    }

    /// <summary>The whole answer a correct server gives for a file with <paramref name="content"/>.</summary>
    public static byte[] FoundResponse(ReadOnlySpan<byte> content) =>
        [.. ResponseHeader(FilesWire.StatusFound, (uint)content.Length), .. content];

    /// <summary><c>49 7e 02 00 00 00 00 00</c>.</summary>
    public static byte[] NotFoundResponse => ResponseHeader(FilesWire.StatusNotFound, 0);
}
