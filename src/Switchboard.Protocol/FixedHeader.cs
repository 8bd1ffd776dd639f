using System.Buffers;
using System.Buffers.Binary;

namespace Switchboard.Protocol;

/// <summary>
/// The first bytes of a record with a fixed-size header, copied out of a possibly partial, possibly
/// fragmented input so each field can be checked as soon as its bytes have arrived: a wrong magic
/// number is reported after two bytes rather than after a timeout. Every record codec starts this way.
/// </summary>
/// <example><code>
/// var h = new FixedHeader(input, stackalloc byte[Size]);
/// if (!h.MagicIs(Wire.Magic, out error)) return DecodeStatus.Invalid;
/// if (h.Has(3) &amp;&amp; h[2] != Wire.Type) return FixedHeader.Fail(new DecodeError(...), out error);
/// if (!h.IsComplete) return DecodeStatus.Incomplete;
/// </code></example>
public readonly ref struct FixedHeader
{
    private readonly Span<byte> _bytes;

    /// <param name="scratch">Exactly the header's size; typically <c>stackalloc</c>.</param>
    public FixedHeader(in ReadOnlySequence<byte> input, Span<byte> scratch)
    {
        Available = (int)Math.Min(input.Length, scratch.Length);
        input.Slice(0, Available).CopyTo(scratch);
        _bytes = scratch;
    }

    /// <summary>Header bytes received so far.</summary>
    public int Available { get; }

    /// <summary>True once the whole header is here.</summary>
    public bool IsComplete => Available == _bytes.Length;

    /// <summary>True when the bytes up to (not including) <paramref name="end"/> have arrived.</summary>
    public bool Has(int end) => Available >= end;

    /// <summary>The byte at <paramref name="offset"/>; check <see cref="Has"/> first.</summary>
    public byte this[int offset] => _bytes[offset];

    /// <summary>A big-endian u16 at <paramref name="offset"/>.</summary>
    public ushort U16(int offset) => BinaryPrimitives.ReadUInt16BigEndian(_bytes[offset..]);

    /// <summary>A big-endian u32 at <paramref name="offset"/>.</summary>
    public uint U32(int offset) => BinaryPrimitives.ReadUInt32BigEndian(_bytes[offset..]);

    /// <summary>
    /// Checks a u16 MagicNo at offset 0: true when it matches or has not fully arrived yet; false, with the
    /// error naming both values, when it is wrong.
    /// </summary>
    public bool MagicIs(ushort expected, out DecodeError error)
    {
        error = default;
        if (!Has(2) || U16(0) == expected)
        {
            return true;
        }
        error = new DecodeError("MagicNo", Hex.U16(U16(0)), Hex.U16(expected), "bad-magic");
        return false;
    }

    /// <summary>Returns <see cref="DecodeStatus.Invalid"/> with <paramref name="why"/> as the error, for one-line rejections.</summary>
    public static DecodeStatus Fail(DecodeError why, out DecodeError error)
    {
        error = why;
        return DecodeStatus.Invalid;
    }
}
