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

    /// <summary>
    /// Decodes <paramref name="bytes"/> as the wire field <paramref name="field"/>; when they are not valid UTF-8 the
    /// error says where: <c>not valid UTF-8 at byte 3 (c328...)</c>. The one UTF-8 error every codec reports.
    /// </summary>
    public static bool TryDecodeField(in ReadOnlySequence<byte> bytes, string field, out string text, out DecodeError error)
    {
        if (TryDecode(bytes, out text))
        {
            error = default;
            return true;
        }
        error = InvalidField(field, bytes.IsSingleSegment ? bytes.FirstSpan : bytes.ToArray());
        return false;
    }

    /// <inheritdoc cref="TryDecodeField(in ReadOnlySequence{byte}, string, out string, out DecodeError)"/>
    public static bool TryDecodeField(ReadOnlySpan<byte> bytes, string field, out string text, out DecodeError error)
    {
        if (TryDecode(bytes, out text))
        {
            error = default;
            return true;
        }
        error = InvalidField(field, bytes);
        return false;
    }

    /// <summary>The error for a field whose bytes are not valid UTF-8, pointing at the first bad byte.</summary>
    public static DecodeError InvalidField(string field, ReadOnlySpan<byte> bytes)
    {
        var at = FirstInvalidByte(bytes);
        return new DecodeError(field, $"not valid UTF-8 at byte {at} ({Hex.Preview(bytes[at..])})", "UTF-8 text", "bad-utf8");
    }

    /// <summary>Offset of the first byte that does not start a valid UTF-8 sequence (the length when all are valid).</summary>
    public static int FirstInvalidByte(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        while (at < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[at..], out _, out var used) != OperationStatus.Done)
            {
                return at;
            }
            at += used;
        }
        return at;
    }

    /// <summary>The number of bytes <paramref name="text"/> takes in UTF-8.</summary>
    public static int ByteCount(string text) => Encoding.UTF8.GetByteCount(text);

    /// <summary>Formats a byte count for error messages: <c>256 bytes</c>.</summary>
    public static string Bytes(long count) => count == 1 ? "1 byte" : $"{count} bytes";
}
