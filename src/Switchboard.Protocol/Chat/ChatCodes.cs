namespace Switchboard.Protocol.Chat;

/// <summary>
/// Control codes: whole text frames, lower-case words joined by hyphens, so a frame is either exactly one of
/// these (or <see cref="PairingCodePrefix"/> followed by a code) or a display line. Display lines never look like
/// a code: they start with <c>User </c>, <c>A new observer</c>, <c>&gt;</c>, <c>-</c>, <c>Warning:</c> or
/// <c>Participants</c>. The first five are the handout's own example words.
/// </summary>
public static class ChatCodes
{
    /// <summary>Server, on connect: there is room; go on (participant: send a username; observer: pair).</summary>
    public const string Accept = "accept";

    /// <summary>Server, on connect: this kind of client is at its limit; the server closes at once.</summary>
    public const string Full = "full";

    /// <summary>Server: the username is taken; the participant is now active.</summary>
    public const string UsernameAccepted = "username-accepted";

    /// <summary>Server: another active participant has that name (compared case-insensitively); try again.</summary>
    public const string UsernameInUse = "username-alreadyinuse";

    /// <summary>Server: the name breaks the rules (length, whitespace, control characters); try again.</summary>
    public const string UsernameInvalid = "username-invalid";

    /// <summary>Server: no username was accepted in time; the server closes.</summary>
    public const string UsernameTimeout = "username-timeout";

    /// <summary>Server, right after <see cref="UsernameAccepted"/>: <c>pairing-code XXXXXX</c>, the code an observer must present.</summary>
    public const string PairingCodePrefix = "pairing-code ";

    /// <summary>Server to an observer: paired; the stream follows.</summary>
    public const string ObserverAccepted = "observer-accepted";

    /// <summary>Server to an observer: no active participant has that name, or the code is wrong, or the request is malformed.</summary>
    public const string ObserverInvalid = "observer-invalid";

    /// <summary>Server to an observer: that participant already has an observer.</summary>
    public const string ObserverInUse = "observer-alreadyinuse";

    /// <summary>Server to an observer: too many failed attempts, or none succeeded in time; the server closes.</summary>
    public const string ObserverRefused = "observer-refused";

    /// <summary>Server, to every client: the server is shutting down; it closes after this.</summary>
    public const string ServerShutdown = "server-shutdown";

    /// <summary>Participant: asks for the list of active participants (answered to it alone).</summary>
    public const string Who = "/who";

    /// <summary>What a user types to leave; the client closes and never sends it.</summary>
    public const string Exit = "exit()";

    /// <summary>The pairing-code frame for <paramref name="code"/>.</summary>
    public static string PairingCodeFrame(string code) => PairingCodePrefix + code;

    /// <summary>Reads a pairing-code frame; false when <paramref name="frame"/> is not one.</summary>
    public static bool TryParsePairingCode(string frame, out string code)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.StartsWith(PairingCodePrefix, StringComparison.Ordinal) && PairingCode.IsWellFormed(frame[PairingCodePrefix.Length..]))
        {
            code = frame[PairingCodePrefix.Length..];
            return true;
        }
        code = string.Empty;
        return false;
    }
}
