namespace Switchboard.Protocol.Chat;

/// <summary>What a participant's message is, by the handout's rule: a leading <c>@</c> makes it private.</summary>
public enum MessageKind
{
    Public,
    Private,

    /// <summary>Starts with <c>@</c> but no name and space follow: never delivered, the sender is told.</summary>
    MalformedPrivate,
}

/// <summary>
/// Parses <c>@name text</c>: no whitespace before the <c>@</c>, the name runs to the first whitespace, and at least
/// one space must follow it.
/// </summary>
public static class PrivateMessage
{
    /// <summary>Classifies <paramref name="text"/>; for a private message, <paramref name="recipient"/> is the name after <c>@</c>.</summary>
    public static MessageKind Classify(string text, out string recipient)
    {
        ArgumentNullException.ThrowIfNull(text);
        recipient = string.Empty;
        if (!text.StartsWith('@'))
        {
            return MessageKind.Public;
        }
        var end = 1;
        while (end < text.Length && !char.IsWhiteSpace(text[end]))
        {
            end++;
        }
        if (end == 1 || end >= text.Length || text[end] != ' ')
        {
            return MessageKind.MalformedPrivate;
        }
        recipient = text[1..end];
        return MessageKind.Private;
    }
}
