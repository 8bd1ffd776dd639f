using System.Buffers;
using System.Text;

namespace Switchboard.Protocol;

/// <summary>Strict UTF-8 for wire text: invalid bytes are an error, never silently replaced.</summary>
public static class Utf8Text
{
    /// <summary>Throws on invalid bytes instead of substituting U+FFFD, which would corrupt stored text.</summary>
    public static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Decodes <paramref name="bytes"/>, or returns false when they are not valid UTF-8.</summary>
    public static bool TryDecode(in ReadOnlySequence<byte> bytes, out string text)
    {
        try
        {
            text = Strict.GetString(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = string.Empty;
            return false;
        }
    }

    /// <summary>Decodes <paramref name="bytes"/>, or returns false when they are not valid UTF-8.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> bytes, out string text)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            text = string.Empty;
            return false;
        }
        text = Encoding.UTF8.GetString(bytes);
        return true;
    }

    /// <summary>The number of bytes <paramref name="text"/> takes in UTF-8.</summary>
    public static int ByteCount(string text) => Encoding.UTF8.GetByteCount(text);

    /// <summary>Formats a byte count for error messages: <c>256 bytes</c>.</summary>
    public static string Bytes(long count) => count == 1 ? "1 byte" : $"{count} bytes";
}
