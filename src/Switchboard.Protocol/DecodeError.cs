namespace Switchboard.Protocol;

/// <summary>
/// Why bytes are not a valid frame, precise enough for an error message:
/// which field held which value, and what was expected.
/// </summary>
/// <param name="Field">The wire field at fault, as the handout names it (e.g. <c>MagicNo</c>).</param>
/// <param name="Value">The offending value as received, formatted for humans (e.g. <c>0x1234</c>).</param>
/// <param name="Expected">What the protocol requires there (e.g. <c>0xAE73</c>).</param>
/// <param name="Reason">A short machine-friendly tag for metrics and logs (e.g. <c>bad-magic</c>).</param>
public readonly record struct DecodeError(string Field, string Value, string Expected, string Reason)
{
    /// <summary>One-line description: <c>MagicNo is 0x1234, expected 0xAE73</c>.</summary>
    public override string ToString() => $"{Field} is {Value}, expected {Expected}";
}
