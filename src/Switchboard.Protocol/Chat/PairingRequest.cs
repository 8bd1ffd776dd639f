namespace Switchboard.Protocol.Chat;

/// <summary>An observer's pairing frame: <c>&lt;name&gt; &lt;code&gt;</c>, one space between.</summary>
public readonly record struct PairingRequest(string Name, string Code)
{
    /// <summary>The frame an observer sends.</summary>
    public string ToFrame() => $"{Name} {Code}";

    /// <summary>Parses a pairing frame; false when it is not a name, one space and a well-formed code.</summary>
    public static bool TryParse(string frame, out PairingRequest request)
    {
        ArgumentNullException.ThrowIfNull(frame);
        request = default;
        var space = frame.IndexOf(' ', StringComparison.Ordinal);
        if (space <= 0)
        {
            return false;
        }
        var name = frame[..space];
        var code = frame[(space + 1)..];
        if (!Username.IsValid(name) || !PairingCode.IsWellFormed(code))
        {
            return false;
        }
        request = new PairingRequest(name, code);
        return true;
    }
}
