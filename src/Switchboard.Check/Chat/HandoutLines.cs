using System.Globalization;
using System.Text;

namespace Switchboard.Check.Chat;

/// <summary>
/// The lines handout 002 fixes word for word, and a public message's line judged as generously as the handout
/// allows: "the server prepends 14 characters to the message received: the &gt; symbol, followed by a space, the
/// username of the sender, followed by a colon and then another space" (where the padding up to 14 goes is not said).
/// </summary>
internal static class HandoutLines
{
    public static string Joined(string name) => $"User {name} has joined";

    public static string Left(string name) => $"User {name} has left";

    /// <summary>
    /// The prefix a public line carries before <paramref name="text"/>, when <paramref name="line"/> is a public line of
    /// <paramref name="sender"/>'s: it starts with <c>&gt;</c>, ends with <c>": "</c> + the text, and between them is the
    /// sender's name with nothing but spaces around it. Null otherwise.
    /// </summary>
    public static string? PublicPrefix(string line, string sender, string text)
    {
        var tail = ": " + text;
        if (!line.StartsWith('>') || !line.EndsWith(tail, StringComparison.Ordinal))
        {
            return null;
        }
        var prefix = line[..^text.Length];
        var name = prefix[1..^2];
        return name.Trim(' ') == sender ? prefix : null;
    }

    /// <summary>Characters as Python's <c>len</c> counts them (code points).</summary>
    public static int Characters(string text) => text.EnumerateRunes().Count();

    /// <summary>What a generous public line looks like, for reasons.</summary>
    public static string PublicShape(string sender, string text) =>
        $"a line \">\" + spaces + \"{sender}: {Short(text)}\"";

    /// <summary>Text of exactly <paramref name="characters"/> code points, each <paramref name="unit"/>, starting with a unique marker.</summary>
    public static string Long(string marker, int characters, string unit = "x")
    {
        var sb = new StringBuilder(marker);
        while (Characters(sb.ToString()) < characters)
        {
            sb.Append(unit);
        }
        return sb.ToString();
    }

    public static string Short(string text) => text.Length > 30 ? text[..30] + string.Create(CultureInfo.InvariantCulture, $"...({Characters(text)} characters)") : text;
}
