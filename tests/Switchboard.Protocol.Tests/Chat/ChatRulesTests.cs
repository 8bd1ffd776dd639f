using FsCheck;
using FsCheck.Fluent;
using Switchboard.Protocol.Chat;

namespace Switchboard.Protocol.Tests.Chat;

public sealed class ChatRulesTests
{
    [Theory]
    [InlineData("Thanos", ">     Thanos: Hello")]
    [InlineData("Michael", ">    Michael: Hello")]
    [InlineData("a", ">          a: Hello")]
    [InlineData("abcdefghij", "> abcdefghij: Hello")]
    [InlineData("😀😀", ">         😀😀: Hello")]
    public void Public_lines_carry_the_14_character_prefix(string name, string expected)
    {
        var line = ChatLines.Public(name, "Hello");
        line.ShouldBe(expected);
        CodePoints.Count(line).ShouldBe(ChatWire.LinePrefixCharacters + "Hello".Length);
    }

    [Fact]
    public void Private_lines_use_a_dash_and_keep_the_whole_text()
    {
        ChatLines.Private("alice", "@bob hi").ShouldBe("-      alice: @bob hi");
    }

    [Fact]
    public void Every_valid_name_gives_a_prefix_of_exactly_14_characters()
    {
        var names = ArbMap.Default.ArbFor<string>().Filter(s => s is not null && Username.IsValid(s));
        Prop.ForAll(names, name =>
        {
            var line = ChatLines.Public(name, string.Empty);
            return CodePoints.Count(line) == ChatWire.LinePrefixCharacters && line.EndsWith(name + ": ", StringComparison.Ordinal);
        }).QuickCheckThrowOnFailure();
    }

    [Theory]
    [InlineData("alice", UsernameProblem.None)]
    [InlineData("abcdefghij", UsernameProblem.None)]
    [InlineData("😀😀😀😀😀😀😀😀😀😀", UsernameProblem.None)]
    [InlineData("é", UsernameProblem.None)]
    [InlineData("", UsernameProblem.Empty)]
    [InlineData("abcdefghijk", UsernameProblem.TooLong)]
    [InlineData("😀😀😀😀😀😀😀😀😀😀😀", UsernameProblem.TooLong)]
    [InlineData("a b", UsernameProblem.Whitespace)]
    [InlineData("a\tb", UsernameProblem.Whitespace)]
    [InlineData(" alice", UsernameProblem.Whitespace)]
    [InlineData("a\u00A0b", UsernameProblem.Whitespace)]
    [InlineData("a\u3000b", UsernameProblem.Whitespace)]
    [InlineData("a\u001Bb", UsernameProblem.ControlCharacter)]
    [InlineData("a\u200Eb", UsernameProblem.ControlCharacter)]
    public void Username_rules(string name, UsernameProblem expected)
    {
        Username.Check(name).ShouldBe(expected);
        (Username.Describe(name) is null).ShouldBe(expected == UsernameProblem.None);
    }

    [Fact]
    public void Usernames_are_unique_case_insensitively()
    {
        Username.Comparer.Equals("Alice", "alice").ShouldBeTrue();
        Username.Comparer.Equals("ÉLAN", "élan").ShouldBeTrue();
        Username.Comparer.Equals("alice", "alicia").ShouldBeFalse();
    }

    [Theory]
    [InlineData("hello", MessageKind.Public, "")]
    [InlineData(" @bob hi", MessageKind.Public, "")]
    [InlineData("a@bob hi", MessageKind.Public, "")]
    [InlineData("@bob hi", MessageKind.Private, "bob")]
    [InlineData("@bob   hi", MessageKind.Private, "bob")]
    [InlineData("@bob ", MessageKind.Private, "bob")]
    [InlineData("@bob", MessageKind.MalformedPrivate, "")]
    [InlineData("@bob\thi", MessageKind.MalformedPrivate, "")]
    [InlineData("@ hi", MessageKind.MalformedPrivate, "")]
    [InlineData("@", MessageKind.MalformedPrivate, "")]
    public void Private_messages_are_at_name_then_a_space(string text, MessageKind kind, string recipient)
    {
        PrivateMessage.Classify(text, out var to).ShouldBe(kind);
        to.ShouldBe(recipient);
    }

    [Fact]
    public void Pairing_codes_are_six_unambiguous_characters_and_match_in_any_case()
    {
        var codes = Enumerable.Range(0, 200).Select(_ => PairingCode.New()).ToList();
        codes.ShouldAllBe(c => PairingCode.IsWellFormed(c) && c.Length == 6);
        codes.Distinct().Count().ShouldBeGreaterThan(190);
        var code = codes[0];
        PairingCode.Matches(code, code.ToLowerInvariant()).ShouldBeTrue();
        PairingCode.Matches(code, code == "AAAAAA" ? "BBBBBB" : "AAAAAA").ShouldBeFalse();
        PairingCode.Matches(code, code[..5]).ShouldBeFalse();
        PairingCode.IsWellFormed("ABC0EF").ShouldBeFalse();
    }

    [Fact]
    public void Pairing_frames_round_trip()
    {
        ChatCodes.TryParsePairingCode(ChatCodes.PairingCodeFrame("K7Q2M9"), out var code).ShouldBeTrue();
        code.ShouldBe("K7Q2M9");
        ChatCodes.TryParsePairingCode("User K7Q2M9 has joined", out _).ShouldBeFalse();

        PairingRequest.TryParse(new PairingRequest("alice", "K7Q2M9").ToFrame(), out var request).ShouldBeTrue();
        request.ShouldBe(new PairingRequest("alice", "K7Q2M9"));
        PairingRequest.TryParse("alice", out _).ShouldBeFalse();
        PairingRequest.TryParse("alice  K7Q2M9", out _).ShouldBeFalse();
        PairingRequest.TryParse(" K7Q2M9", out _).ShouldBeFalse();
        PairingRequest.TryParse("alice K7Q", out _).ShouldBeFalse();
    }

    [Fact]
    public void Code_points_count_as_python_len()
    {
        CodePoints.Count("héllo").ShouldBe(5);
        CodePoints.Count("😀").ShouldBe(1);
        CodePoints.Count("e\u0301").ShouldBe(2);
    }
}
