using System.Security.Cryptography;
using System.Text;

namespace Switchboard.Protocol.Chat;

/// <summary>
/// The short code that lets an observer pair with a participant: six characters from an alphabet without look-alikes
/// (no 0/O, 1/I/L), about 887 million possibilities, drawn from a cryptographic generator. Compared
/// case-insensitively and in constant time.
/// </summary>
public static class PairingCode
{
    public const string Alphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

    public const int Length = 6;

    /// <summary>A fresh random code.</summary>
    public static string New() => new(RandomNumberGenerator.GetItems<char>(Alphabet, Length));

    /// <summary>True when <paramref name="text"/> has the shape of a code (any case).</summary>
    public static bool IsWellFormed(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == Length && text.All(c => Alphabet.Contains(char.ToUpperInvariant(c), StringComparison.Ordinal));
    }

    /// <summary>True when <paramref name="presented"/> is <paramref name="expected"/>, ignoring case, without leaking how much matched.</summary>
    public static bool Matches(string expected, string presented)
    {
        ArgumentNullException.ThrowIfNull(expected);
        ArgumentNullException.ThrowIfNull(presented);
        var a = Encoding.UTF8.GetBytes(expected.ToUpperInvariant());
        var b = Encoding.UTF8.GetBytes(presented.ToUpperInvariant());
        return CryptographicOperations.FixedTimeEquals(a, b);
    }
}
