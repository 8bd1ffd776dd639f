using System.Buffers;

namespace Switchboard.Protocol;

/// <summary>The one way wire values and byte previews are shown in error messages and logs.</summary>
public static class Hex
{
    /// <summary><c>0xAE73</c>: how 16-bit fields such as MagicNo appear in errors.</summary>
    public static string U16(ushort value) => $"0x{value:X4}";

    /// <summary>Lower-case hex of at most <paramref name="max"/> bytes, with <c>...</c> when there were more.</summary>
    public static string Preview(ReadOnlySpan<byte> bytes, int max = 8)
    {
        var shown = Convert.ToHexString(bytes[..Math.Min(bytes.Length, max)]).ToLowerInvariant();
        return bytes.Length > max ? shown + "..." : shown;
    }

    /// <inheritdoc cref="Preview(ReadOnlySpan{byte}, int)"/>
    public static string Preview(in ReadOnlySequence<byte> bytes, int max = 8)
    {
        Span<byte> head = stackalloc byte[Math.Min(max, 64)];
        var n = (int)Math.Min(bytes.Length, head.Length);
        bytes.Slice(0, n).CopyTo(head);
        var shown = Convert.ToHexString(head[..n]).ToLowerInvariant();
        return bytes.Length > n ? shown + "..." : shown;
    }
}
