using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using Switchboard.Protocol.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Files;

public sealed class FilesCodecPropertyTests
{
    /// <summary>Random bytes, often starting with the real magic so the deeper checks are reached too.</summary>
    private static readonly Arbitrary<byte[]> Inputs = Gen.OneOf(
            ArbMap.Default.GeneratorFor<byte[]>(),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[0x49, 0x7E, .. b]),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[0x49, 0x7E, 0x01, 0x00, (byte)(b.Length % 8), .. b]),
            ArbMap.Default.GeneratorFor<byte[]>().Select(b => (byte[])[0x49, 0x7E, 0x02, (byte)(b.Length % 3), .. b]))
        .ToArbitrary();

    private static bool NeverThrows<T>(IFrameDecoder<T> decoder, byte[] bytes)
    {
        foreach (var input in new[] { new ReadOnlySequence<byte>(bytes), Segments.Split(bytes, bytes.Length / 2, bytes.Length / 3) })
        {
            var status = decoder.TryDecode(input, out _, out var consumed, out var error);
            var length = input.Slice(input.Start, consumed).Length;
            var ok = status switch
            {
                DecodeStatus.Complete => length > 0 && length <= bytes.Length,
                DecodeStatus.Incomplete => length == 0,
                DecodeStatus.Invalid => length == 0 && error.Field.Length > 0 && error.Value.Length > 0,
                _ => false,
            };
            if (!ok)
            {
                return false;
            }
        }
        return true;
    }

    [Fact]
    public void Request_decoder_only_ever_reports_a_status()
    {
        Prop.ForAll(Inputs, bytes => NeverThrows(FileRequestCodec.Instance, bytes)).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Response_decoder_only_ever_reports_a_status()
    {
        Prop.ForAll(Inputs, bytes => NeverThrows(FileResponseCodec.Instance, bytes)).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Any_valid_name_round_trips()
    {
        var names = ArbMap.Default.GeneratorFor<NonEmptyString>()
            .Select(s => s.Get)
            .Where(s => System.Text.Encoding.UTF8.GetByteCount(s) <= FilesWire.MaxFilenameBytes && !s.Any(char.IsSurrogate))
            .ToArbitrary();
        Prop.ForAll(names, name =>
        {
            var bytes = FileRequestCodec.Encode(FileRequest.For(name));
            return FileRequestCodec.Instance.TryDecode(new ReadOnlySequence<byte>(bytes), out var frame, out _, out _) == DecodeStatus.Complete
                && frame.TryGetName(out var back) && back == name;
        }).QuickCheckThrowOnFailure();
    }
}
