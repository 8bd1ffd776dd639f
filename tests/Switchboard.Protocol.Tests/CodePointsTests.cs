namespace Switchboard.Protocol.Tests;

public sealed class CodePointsTests
{
    [Fact]
    public void Shorten_never_cuts_a_surrogate_pair_in_half()
    {
        var text = new string('a', 39) + "\U0001F62A" + "tail";
        CodePoints.Shorten(text, 40).ShouldBe(new string('a', 39) + "...");
        CodePoints.Shorten(text, 41).ShouldBe(new string('a', 39) + "\U0001F62A...");
        CodePoints.Shorten("short", 40).ShouldBe("short");
    }
}
