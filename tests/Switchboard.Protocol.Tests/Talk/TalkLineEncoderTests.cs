using System.Buffers;
using System.Text;
using Switchboard.Protocol.Talk;

namespace Switchboard.Protocol.Tests.Talk;

public sealed class TalkLineEncoderTests
{
    [Fact]
    public void A_line_is_its_utf8_bytes_and_a_newline()
    {
        TalkLineEncoder.Encode("héllo").ShouldBe([0x68, 0xC3, 0xA9, 0x6C, 0x6C, 0x6F, 0x0A]);
        TalkLineEncoder.Encode(string.Empty).ShouldBe([0x0A]);
    }

    [Fact]
    public void Write_appends_to_a_buffer_and_reports_its_size()
    {
        var buffer = new ArrayBufferWriter<byte>();
        TalkLineEncoder.Write(buffer, "a").ShouldBe(2);
        TalkLineEncoder.Write(buffer, "bc").ShouldBe(3);
        Encoding.UTF8.GetString(buffer.WrittenSpan).ShouldBe("a\nbc\n");
    }

    [Theory]
    [InlineData("two\nlines", "a line cannot contain a line break")]
    [InlineData("carriage\rreturn", "a line cannot contain a line break")]
    [InlineData("élevenbytes", "the line is 12 bytes in UTF-8, more than the limit of 10 bytes")]
    public void Lines_that_cannot_be_sent_are_refused_with_the_reason(string line, string problem)
    {
        TalkLineEncoder.Problem(line, 10).ShouldBe(problem);
        Should.Throw<ArgumentException>(() => TalkLineEncoder.Encode(line, 10)).Message.ShouldStartWith(problem);
    }

    [Fact]
    public void A_lone_surrogate_is_refused_rather_than_sent_as_a_replacement_character()
    {
        // Built here: xunit's theory data would not carry a lone surrogate intact.
        var line = new string([(char)0xD800, 'x']);
        TalkLineEncoder.Problem(line).ShouldBe("the line holds a lone UTF-16 surrogate, which has no UTF-8 form");
        Should.Throw<ArgumentException>(() => TalkLineEncoder.Encode(line));
    }

    [Fact]
    public void Encoded_lines_decode_to_themselves()
    {
        foreach (var line in new[] { "", "EXIT", "naïve 🎉 你好", new string('x', 5000) })
        {
            var bytes = TalkLineEncoder.Encode(line);
            TalkLineDecoder.Default.TryDecode(new ReadOnlySequence<byte>(bytes), out var decoded, out _, out _).ShouldBe(DecodeStatus.Complete);
            decoded.ShouldBe(line);
        }
    }
}
