using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Switchboard.Protocol.Echo;

namespace Switchboard.Protocol.Tests.Echo;

public sealed class EchoReplyTests
{
    [Fact]
    public void The_handouts_example_keeps_the_space_after_the_tenth_character()
    {
        var reply = EchoReply.For("Four score and seven years ago");
        reply.ShouldBe(" and seven years ago");
        Encoding.UTF8.GetByteCount(reply).ShouldBe(20); // the handout's [20]
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("0123456789")]
    [InlineData("😀😀😀😀😀😀😀😀😀😀")]
    [InlineData("e\u0301e\u0301e\u0301e\u0301e\u0301")]
    public void Ten_characters_or_fewer_leave_nothing(string message) => EchoReply.For(message).ShouldBe(string.Empty);

    [Theory]
    [InlineData("0123456789X", "X")]
    [InlineData("😀😀😀😀😀😀😀😀😀😀😀", "😀")]
    [InlineData("😀😀😀😀😀😀😀😀😀😀rest", "rest")]
    [InlineData("abcdefghi😀rest", "rest")]
    [InlineData("abcdefghij😀", "😀")]
    [InlineData("𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝔱𝔢𝔵𝔱 here", "𝔵𝔱 here")]
    public void Astral_code_points_count_as_one_character_each(string message, string expected)
    {
        var reply = EchoReply.For(message);
        reply.ShouldBe(expected);
        reply.Any(char.IsSurrogate).ShouldBe(expected.Any(char.IsSurrogate));
    }

    [Fact]
    public void Combining_marks_count_on_their_own_as_python_counts_them()
    {
        // Python: ("e\u0301" * 6)[10:] == "e\u0301"; grapheme clusters are not characters to Python.
        EchoReply.For(string.Concat(Enumerable.Repeat("e\u0301", 6))).ShouldBe("e\u0301");
        EchoReply.For("aaaaaaaaae\u0301x").ShouldBe("\u0301x");
    }

    [Fact]
    public void Lone_surrogates_count_as_one_character_like_in_a_python_str()
    {
        EchoReply.DropCodePoints("\uD83Dab", 1).ShouldBe("ab");
        EchoReply.DropCodePoints("a\uDE00b", 2).ShouldBe("b");
        EchoReply.CodePointCount("\uD83D\uDE00\uD83D").ShouldBe(2);
    }

    [Fact]
    public void Dropping_matches_slicing_the_utf32_code_points()
    {
        Prop.ForAll(EchoGenerators.Text(), text =>
        {
            // UTF-32 has one 4-byte unit per code point, so it is an independent oracle for Python's s[10:].
            var utf32 = Encoding.UTF32.GetBytes(text);
            var expected = utf32.Length <= 40 ? string.Empty : Encoding.UTF32.GetString(utf32, 40, utf32.Length - 40);
            return EchoReply.For(text) == expected && EchoReply.CodePointCount(text) == utf32.Length / 4;
        }).QuickCheckThrowOnFailure();
    }
}
