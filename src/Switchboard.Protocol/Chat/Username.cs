using System.Text;

namespace Switchboard.Protocol.Chat;

/// <summary>Why a username is refused; <see cref="None"/> when it is acceptable.</summary>
public enum UsernameProblem
{
    None,
    Empty,
    TooLong,
    Whitespace,
    ControlCharacter,
}

/// <summary>
/// Username rules: 1 to 10 characters (code points, as Python's <c>len</c>), no whitespace, no control
/// characters (they would let a name rewrite other users' terminals), unique among active participants
/// compared case-insensitively so <c>Alice</c> cannot pass for <c>alice</c>.
/// </summary>
public static class Username
{
    /// <summary>Compares names as uniqueness requires: <c>Alice</c> and <c>alice</c> are the same participant.</summary>
    public static StringComparer Comparer => StringComparer.OrdinalIgnoreCase;

    /// <summary>What is wrong with <paramref name="name"/>, or <see cref="UsernameProblem.None"/>.</summary>
    public static UsernameProblem Check(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.Length == 0)
        {
            return UsernameProblem.Empty;
        }
        var count = 0;
        foreach (var rune in name.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                return UsernameProblem.Whitespace;
            }
            if (Rune.IsControl(rune) || Rune.GetUnicodeCategory(rune) is System.Globalization.UnicodeCategory.Format)
            {
                return UsernameProblem.ControlCharacter;
            }
            count++;
        }
        return count > ChatWire.MaxUsernameCharacters ? UsernameProblem.TooLong : UsernameProblem.None;
    }

    /// <summary>True when <paramref name="name"/> follows every rule except uniqueness.</summary>
    public static bool IsValid(string name) => Check(name) == UsernameProblem.None;

    /// <summary>A sentence for a user who typed <paramref name="name"/>, or null when it is fine.</summary>
    public static string? Describe(string name) => Check(name) switch
    {
        UsernameProblem.None => null,
        UsernameProblem.Empty => "a username needs at least 1 character",
        UsernameProblem.TooLong => $"'{name}' has {CodePoints.Count(name)} characters; at most {ChatWire.MaxUsernameCharacters} are allowed",
        UsernameProblem.Whitespace => $"'{name}' contains whitespace, which a username may not",
        UsernameProblem.ControlCharacter => "a username may not contain control or formatting characters",
        _ => "invalid username",
    };
}
