using System.Buffers;
using Switchboard.Protocol.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Files;

public sealed class FileResponseCodecTests
{
    private static readonly FileResponseCodec Codec = FileResponseCodec.Instance;

    private static byte[] Raw(ushort magic, byte type, byte status, uint length) =>
        [(byte)(magic >> 8), (byte)magic, type, status, (byte)(length >> 24), (byte)(length >> 16), (byte)(length >> 8), (byte)length];

    [Fact]
    public void Encodes_status_1_with_big_endian_length()
    {
        FileResponseCodec.EncodeHeader(new FileResponseHeader(true, 0x01020304))
            .ShouldBe([0x49, 0x7E, 0x02, 0x01, 0x01, 0x02, 0x03, 0x04]);
    }

    [Fact]
    public void Encodes_status_0_with_zero_length()
    {
        FileResponseCodec.EncodeHeader(FileResponseHeader.NotFound).ShouldBe([0x49, 0x7E, 0x02, 0x00, 0, 0, 0, 0]);
    }

    [Fact]
    public void Status_0_with_a_length_cannot_be_encoded()
    {
        Should.Throw<ArgumentException>(() => FileResponseCodec.EncodeHeader(new FileResponseHeader(false, 5)));
    }

    [Theory]
    [InlineData(true, 0u)]
    [InlineData(true, 1u)]
    [InlineData(true, uint.MaxValue)]
    [InlineData(false, 0u)]
    public void Round_trips_at_every_split(bool found, uint length)
    {
        var header = new FileResponseHeader(found, length);
        var bytes = FileResponseCodec.EncodeHeader(header);
        DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Complete, 8).ShouldBe(header);
    }

    [Fact]
    public void File_bytes_after_the_header_are_left_for_the_reader()
    {
        byte[] bytes = [.. FileResponseCodec.EncodeHeader(new FileResponseHeader(true, 3)), 1, 2, 3];
        DecoderAssert.AtEveryBoundary(Codec, bytes, DecodeStatus.Complete, 8).DataLength.ShouldBe(3u);
    }

    [Fact]
    public void Wrong_magic_is_invalid()
    {
        DecoderAssert.AtEveryBoundary(Codec, Raw(0xAE73, 2, 1, 1), DecodeStatus.Invalid, 8, new DecodeError("MagicNo", "0xAE73", "0x497E", "bad-magic"));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(3)]
    public void Type_other_than_2_is_invalid(byte type)
    {
        DecoderAssert.AtEveryBoundary(Codec, Raw(0x497E, type, 1, 1), DecodeStatus.Invalid, 8, new DecodeError("Type", type.ToString(), "2 (FileResponse)", "bad-type"));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(255)]
    public void StatusCode_other_than_0_or_1_is_invalid(byte status)
    {
        DecoderAssert.AtEveryBoundary(Codec, Raw(0x497E, 2, status, 0), DecodeStatus.Invalid, 8, new DecodeError("StatusCode", status.ToString(), "0 or 1", "bad-status"));
    }

    [Fact]
    public void Status_0_with_nonzero_DataLength_is_invalid()
    {
        DecoderAssert.AtEveryBoundary(Codec, Raw(0x497E, 2, 0, 7), DecodeStatus.Invalid, 8, new DecodeError("DataLength", "7", "0 when StatusCode is 0", "bad-data-length"));
    }

    [Fact]
    public void Seven_bytes_are_incomplete()
    {
        var bytes = Raw(0x497E, 2, 1, 9);
        DecoderAssert.Decode(Codec, new ReadOnlySequence<byte>(bytes, 0, 7), out _, out _, out _).ShouldBe(DecodeStatus.Incomplete);
    }
}
