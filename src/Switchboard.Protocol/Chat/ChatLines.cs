namespace Switchboard.Protocol.Chat;

/// <summary>The display lines a server sends (everything that is not a <see cref="ChatCodes">control code</see>).</summary>
public static class ChatLines
{
    /// <summary>First character of a public message line.</summary>
    public const char PublicMarker = '>';

    /// <summary>First character of a private message line.</summary>
    public const char PrivateMarker = '-';

    /// <summary>Sent to every client when an observer pairs.</summary>
    public const string ObserverJoined = "A new observer has joined";

    /// <summary>To a paired observer that tries to send.</summary>
    public const string ObserverCannotSend = "Warning: observers cannot send messages";

    /// <summary>To a participant whose message starts with <c>@</c> but has no name and space.</summary>
    public const string MalformedPrivate = "Warning: a private message is @<name>, a space, then the text";

    /// <summary>
    /// The handout's 14-character prefix then the text: the marker, 11 − len(name) spaces (so the name ends in
    /// column 12), the name, <c>": "</c>. <c>&gt;     Thanos: Hello</c>.
    /// </summary>
    public static string Message(char marker, string sender, string text)
    {
        ArgumentNullException.ThrowIfNull(sender);
        ArgumentNullException.ThrowIfNull(text);
        var pad = Math.Max(0, ChatWire.MaxUsernameCharacters + 1 - CodePoints.Count(sender));
        return string.Concat(marker.ToString(), new string(' ', pad), sender, ": ", text);
    }

    /// <summary>A public message as every client sees it.</summary>
    public static string Public(string sender, string text) => Message(PublicMarker, sender, text);

    /// <summary>A private message as its sender, recipient and their observers see it (the whole text, <c>@name</c> included).</summary>
    public static string Private(string sender, string text) => Message(PrivateMarker, sender, text);

    public static string Joined(string name) => $"User {name} has joined";

    public static string Left(string name) => $"User {name} has left";

    /// <summary>The handout's words for a private message to nobody.</summary>
    public static string UnknownRecipient(string name) => $"Warning: user {name} doesn't exist...";

    public static string TooLong(int characters) =>
        $"Warning: message too long ({characters} characters, at most {ChatWire.MaxMessageCharacters}); not delivered";

    public static string RateLimited(int burst, double perSecond) =>
        $"Warning: too many messages (at most {burst} at once, then {perSecond.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture)} per second); message dropped";

    /// <summary>The answer to <c>/who</c>: names in the order they joined.</summary>
    public static string Participants(IReadOnlyCollection<string> names) =>
        $"Participants ({names.Count}): {string.Join(", ", names)}";
}
