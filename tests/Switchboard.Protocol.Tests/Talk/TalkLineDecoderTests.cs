using System.Buffers;
using System.Text;
using Switchboard.Protocol.Talk;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Talk;

public sealed class TalkLineDecoderTests
{
    private static (DecodeStatus Status, string Line, long Consumed, DecodeError Error) Decode(ReadOnlySequence<byte> input, TalkLineDecoder? decoder = null)
    {
        var status = (decoder ?? TalkLineDecoder.Default).TryDecode(input, out var line, out var consumed, out var error);
        return (status, line, input.Slice(input.Start, consumed).Length, error);
    }

    private static (DecodeStatus Status, string Line, long Consumed, DecodeError Error) Decode(byte[] bytes, TalkLineDecoder? decoder = null) =>
        Decode(new ReadOnlySequence<byte>(bytes), decoder);

    [Fact]
    public void A_line_is_its_bytes_up_to_the_newline_and_consumes_the_newline()
    {
        var (status, line, consumed, _) = Decode("hello there\nnext"u8.ToArray());
        status.ShouldBe(DecodeStatus.Complete);
        line.ShouldBe("hello there");
        consumed.ShouldBe(12);
    }

    [Fact]
    public void An_empty_line_is_a_line()
    {
        var (status, line, consumed, _) = Decode("\n"u8.ToArray());
        status.ShouldBe(DecodeStatus.Complete);
        line.ShouldBe(string.Empty);
        consumed.ShouldBe(1);
    }

    [Fact]
    public void Without_a_newline_the_line_is_incomplete_and_nothing_is_consumed()
    {
        var (status, _, consumed, _) = Decode("no end yet"u8.ToArray());
        status.ShouldBe(DecodeStatus.Incomplete);
        consumed.ShouldBe(0);
        Decode(Array.Empty<byte>()).Status.ShouldBe(DecodeStatus.Incomplete);
    }

    [Fact]
    public void The_same_line_decodes_whatever_byte_it_is_split_at()
    {
        var bytes = Encoding.UTF8.GetBytes("héllo wörld, 你好 🎉\nrest");
        var lineEnd = Array.IndexOf(bytes, (byte)'\n') + 1;
        for (var cut = 1; cut < bytes.Length; cut++)
        {
            var (status, line, consumed, _) = Decode(Segments.Split(bytes, cut));
            status.ShouldBe(DecodeStatus.Complete, $"cut at {cut}");
            line.ShouldBe("héllo wörld, 你好 🎉", $"cut at {cut}");
            consumed.ShouldBe(lineEnd, $"cut at {cut}");
        }
    }

    [Fact]
    public void Every_prefix_before_the_newline_is_incomplete_even_mid_character()
    {
        var bytes = Encoding.UTF8.GetBytes("naïve 🎉\n");
        for (var length = 0; length < bytes.Length; length++)
        {
            Decode(bytes[..length]).Status.ShouldBe(DecodeStatus.Incomplete, $"prefix of {length}");
        }
    }

    [Fact]
    public void Bytes_arriving_one_per_segment_still_make_the_line()
    {
        var bytes = Encoding.UTF8.GetBytes("one byte at a time: ü\n");
        var (status, line, _, _) = Decode(Segments.Split(bytes, Enumerable.Range(1, bytes.Length).ToArray()));
        status.ShouldBe(DecodeStatus.Complete);
        line.ShouldBe("one byte at a time: ü");
    }

    [Fact]
    public void Several_lines_in_one_buffer_come_out_one_at_a_time_in_order()
    {
        var input = new ReadOnlySequence<byte>("first\nsecond\n\nfourth\npartial"u8.ToArray());
        var lines = new List<string>();
        while (TalkLineDecoder.Default.TryDecode(input, out var line, out var consumed, out _) == DecodeStatus.Complete)
        {
            lines.Add(line);
            input = input.Slice(consumed);
        }
        lines.ShouldBe(["first", "second", "", "fourth"]);
        Encoding.UTF8.GetString(input.ToArray()).ShouldBe("partial");
    }

    [Fact]
    public void A_carriage_return_before_the_newline_is_dropped_but_others_are_kept()
    {
        Decode("EXIT\r\n"u8.ToArray()).Line.ShouldBe("EXIT");
        Decode("a\rb\n"u8.ToArray()).Line.ShouldBe("a\rb");
        Decode("two\r\r\n"u8.ToArray()).Line.ShouldBe("two\r");
        Decode("\r\n"u8.ToArray()).Line.ShouldBe(string.Empty);
        // The CR and LF arriving in different reads.
        var (status, line, consumed, _) = Decode(Segments.Split("crlf\r\n"u8.ToArray(), 5));
        status.ShouldBe(DecodeStatus.Complete);
        line.ShouldBe("crlf");
        consumed.ShouldBe(6);
    }

    [Fact]
    public void A_long_line_spread_over_many_segments_decodes_exactly()
    {
        var text = string.Concat(Enumerable.Repeat("0123456789abcdé", 60_000));
        var bytes = Encoding.UTF8.GetBytes(text + "\n");
        bytes.Length.ShouldBeLessThan(TalkWire.DefaultMaxLineBytes);
        var cuts = Enumerable.Range(1, bytes.Length / 4093).Select(i => i * 4093).ToArray();
        var (status, line, consumed, _) = Decode(Segments.Split(bytes, cuts));
        status.ShouldBe(DecodeStatus.Complete);
        line.ShouldBe(text);
        consumed.ShouldBe(bytes.Length);
    }

    [Fact]
    public void A_line_of_exactly_the_limit_is_accepted_and_one_byte_more_is_rejected()
    {
        var decoder = new TalkLineDecoder(maxLineBytes: 10);
        Decode("0123456789\n"u8.ToArray(), decoder).Line.ShouldBe("0123456789");
        Decode("0123456789\r\n"u8.ToArray(), decoder).Line.ShouldBe("0123456789");

        var (status, _, consumed, error) = Decode("0123456789A\n"u8.ToArray(), decoder);
        status.ShouldBe(DecodeStatus.Invalid);
        consumed.ShouldBe(0);
        error.Field.ShouldBe("line");
        error.Value.ShouldBe("11 bytes");
        error.Expected.ShouldBe("at most 10 bytes before the newline");
        error.Reason.ShouldBe("line-too-long");
    }

    [Fact]
    public void Bytes_past_the_limit_without_a_newline_are_rejected_before_the_newline_arrives()
    {
        var decoder = new TalkLineDecoder(maxLineBytes: 10);
        // Ten bytes and a CR could still be a valid line; a twelfth byte never can.
        Decode("0123456789\r"u8.ToArray(), decoder).Status.ShouldBe(DecodeStatus.Incomplete);
        var (status, _, _, error) = Decode("0123456789ab"u8.ToArray(), decoder);
        status.ShouldBe(DecodeStatus.Invalid);
        error.ToString().ShouldBe("line is more than 10 bytes with no newline yet, expected at most 10 bytes before the newline");
    }

    [Fact]
    public void The_default_limit_is_one_mebibyte()
    {
        TalkLineDecoder.Default.MaxLineBytes.ShouldBe(1024 * 1024);
        var atLimit = new byte[TalkWire.DefaultMaxLineBytes + 1];
        Array.Fill(atLimit, (byte)'x');
        atLimit[^1] = (byte)'\n';
        Decode(atLimit).Status.ShouldBe(DecodeStatus.Complete);
        var over = new byte[TalkWire.DefaultMaxLineBytes + 2];
        Array.Fill(over, (byte)'x');
        Decode(over).Status.ShouldBe(DecodeStatus.Invalid);
    }

    [Theory]
    [InlineData(new byte[] { 0x61, 0xFF, 0x62, 0x0A }, "not valid UTF-8 at byte 1 (ff62)")]
    [InlineData(new byte[] { 0xC3, 0x28, 0x0A }, "not valid UTF-8 at byte 0 (c328)")]
    [InlineData(new byte[] { 0x6F, 0x6B, 0xE2, 0x82, 0x0A }, "not valid UTF-8 at byte 2 (e282)")]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80, 0x0A }, "not valid UTF-8 at byte 0 (eda080)")]
    public void Invalid_utf8_is_rejected_naming_the_field_and_where(byte[] bytes, string value)
    {
        var (status, _, consumed, error) = Decode(bytes);
        status.ShouldBe(DecodeStatus.Invalid);
        consumed.ShouldBe(0);
        error.Field.ShouldBe("line");
        error.Value.ShouldBe(value);
        error.Reason.ShouldBe("bad-utf8");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(TalkWire.MaxConfigurableLineBytes + 1)]
    public void A_limit_out_of_range_is_refused(int limit)
    {
        Should.Throw<ArgumentOutOfRangeException>(() => new TalkLineDecoder(limit)).ParamName.ShouldBe("maxLineBytes");
    }
}
