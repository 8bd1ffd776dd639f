using System.Buffers;
using System.Text;
using Switchboard.Protocol.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Files;

public sealed class FileRequestCodecTests
{
    private static readonly FileRequestCodec Codec = FileRequestCodec.Instance;

    private static byte[] Raw(ushort magic, byte type, ushort nameLen, byte[] name) =>
        [(byte)(magic >> 8), (byte)magic, type, (byte)(nameLen >> 8), (byte)nameLen, .. name];

    [Fact]
    public void Encodes_the_handout_layout_big_endian()
    {
        FileRequestCodec.Encode(FileRequest.For("ab.txt"))
            .ShouldBe([0x49, 0x7E, 0x01, 0x00, 0x06, .. "ab.txt"u8.ToArray()]);
    }

    [Fact]
    public void FilenameLen_counts_utf8_bytes_not_characters()
    {
        // The handout's client sends len(filename), the character count; that breaks on non-ASCII names.
        var bytes = FileRequestCodec.Encode(FileRequest.For("héllo✓.txt"));
        var nameBytes = Encoding.UTF8.GetByteCount("héllo✓.txt");
        nameBytes.ShouldBe(13);
        "héllo✓.txt".Length.ShouldBe(10);
        (bytes[3] << 8 | bytes[4]).ShouldBe(nameBytes);
        bytes.Length.ShouldBe(5 + nameBytes);
    }

    [Fact]
    public void Round_trips_at_every_split()
    {
        var bytes = FileRequestCodec.Encode(FileRequest.For("sub/dir/ünïcödé.bin"));
        var frame = DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Complete, bytes.Length);
        frame.TryGetName(out var name).ShouldBeTrue();
        name.ShouldBe("sub/dir/ünïcödé.bin");
    }

    [Fact]
    public void Longest_name_of_1024_bytes_is_accepted()
    {
        var bytes = FileRequestCodec.Encode(FileRequest.For(new string('x', 1024)));
        DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Complete, bytes.Length).NameBytes.Length.ShouldBe(1024);
    }

    [Fact]
    public void Leaves_bytes_after_the_request_unconsumed()
    {
        var one = FileRequestCodec.Encode(FileRequest.For("a"));
        byte[] two = [.. one, .. one];
        DecoderAssert.Decode(Codec, new ReadOnlySequence<byte>(two), out _, out var consumed, out _).ShouldBe(DecodeStatus.Complete);
        consumed.ShouldBe(one.Length);
    }

    [Fact]
    public void Wrong_magic_is_invalid_after_two_bytes()
    {
        var bytes = Raw(0x497F, 1, 1, "a"u8.ToArray());
        DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Invalid, bytes.Length, new DecodeError("MagicNo", "0x497F", "0x497E", "bad-magic"));
        DecoderAssert.Decode(Codec, new ReadOnlySequence<byte>(bytes, 0, 2), out _, out _, out _).ShouldBe(DecodeStatus.Invalid);
    }

    [Fact]
    public void Magic_with_swapped_byte_order_is_invalid()
    {
        var bytes = Raw(0x7E49, 1, 1, "a"u8.ToArray());
        DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Invalid, bytes.Length).ShouldBeNull();
        DecoderAssert.Decode(Codec, new ReadOnlySequence<byte>(bytes), out _, out _, out var error);
        error.ToString().ShouldBe("MagicNo is 0x7E49, expected 0x497E");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(255)]
    public void Type_other_than_1_is_invalid(byte type)
    {
        var bytes = Raw(0x497E, type, 1, "a"u8.ToArray());
        DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Invalid, bytes.Length, new DecodeError("Type", type.ToString(), "1 (FileRequest)", "bad-type"));
        DecoderAssert.Decode(Codec, new ReadOnlySequence<byte>(bytes, 0, 3), out _, out _, out _).ShouldBe(DecodeStatus.Invalid);
    }

    [Fact]
    public void FilenameLen_zero_is_invalid()
    {
        var bytes = Raw(0x497E, 1, 0, []);
        DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Invalid, bytes.Length, new DecodeError("FilenameLen", "0", "1-1024", "bad-filename-length"));
    }

    [Theory]
    [InlineData(1025)]
    [InlineData(65535)]
    public void FilenameLen_above_1024_is_invalid_before_any_name_byte(ushort length)
    {
        // Judged from the header alone: no waiting for (or buffering) a name that may never be legal.
        var bytes = Raw(0x497E, 1, length, []);
        DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Invalid, bytes.Length, new DecodeError("FilenameLen", length.ToString(), "1-1024", "bad-filename-length"));
    }

    [Fact]
    public void Name_shorter_than_FilenameLen_is_incomplete()
    {
        var bytes = Raw(0x497E, 1, 10, "abc"u8.ToArray());
        DecoderAssert.Decode(Codec, new ReadOnlySequence<byte>(bytes), out _, out _, out _).ShouldBe(DecodeStatus.Incomplete);
    }

    [Fact]
    public void Invalid_utf8_name_is_a_well_formed_request_the_server_judges()
    {
        // Status 0, not a dropped connection, is the answer issue 3 asks for; so the codec keeps the raw bytes.
        byte[] name = [0xC0, 0xAE, 0xC0, 0xAE, 0x2F, 0x78];
        var bytes = Raw(0x497E, 1, (ushort)name.Length, name);
        var frame = DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Complete, bytes.Length);
        frame.TryGetName(out _).ShouldBeFalse();
        frame.NameBytes.ToArray().ShouldBe(name);
        frame.Display.ShouldBe("hex:c0aec0ae2f78 (not UTF-8)");
    }

    [Fact]
    public void Display_escapes_control_characters()
    {
        FileRequest.For("a\nb\u0000c'").Display.ShouldBe("'a\\nb\\u0000c\\''");
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void Encoding_an_empty_or_too_long_name_is_refused(string? name)
    {
        Should.Throw<ArgumentException>(() => FileRequest.For(name ?? new string('é', 513))).Message.ShouldContain("expected 1-1024");
    }
}
