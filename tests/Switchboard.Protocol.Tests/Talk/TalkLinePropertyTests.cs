using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using Switchboard.Protocol.Talk;
using Switchboard.Tests.Shared;

namespace Switchboard.Protocol.Tests.Talk;

public sealed class TalkLinePropertyTests
{
    private static readonly TalkLineDecoder Small = new(maxLineBytes: 64);

    [Fact]
    public void Random_bytes_in_random_pieces_never_throw_and_never_overrun()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), ArbMap.Default.ArbFor<int[]>(), (bytes, cuts) =>
        {
            var input = Segments.Split(bytes, cuts.Select(c => Math.Abs(c % (bytes.Length + 1))).ToArray());
            foreach (var decoder in new[] { TalkLineDecoder.Default, Small })
            {
                var status = decoder.TryDecode(input, out var line, out var consumed, out var error);
                var used = input.Slice(input.Start, consumed).Length;
                switch (status)
                {
                    case DecodeStatus.Complete:
                        if (used < 1 || used > bytes.Length || bytes[used - 1] != '\n' || line.Contains('\n'))
                        {
                            return false;
                        }
                        break;
                    case DecodeStatus.Incomplete:
                        if (used != 0 || Array.IndexOf(bytes, (byte)'\n') >= 0)
                        {
                            return false;
                        }
                        break;
                    case DecodeStatus.Invalid:
                        if (used != 0 || error.Field != TalkWire.LineField || string.IsNullOrEmpty(error.Value))
                        {
                            return false;
                        }
                        break;
                    default:
                        return false;
                }
            }
            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Lines_encoded_back_to_back_and_cut_anywhere_decode_to_the_same_lines()
    {
        var sendable = ArbMap.Default.ArbFor<string[]>().Filter(lines => lines.All(l => l is not null && TalkLineEncoder.Problem(l, 64) is null));
        Prop.ForAll(sendable, ArbMap.Default.ArbFor<int[]>(), (lines, cuts) =>
        {
            var wire = lines.SelectMany(l => TalkLineEncoder.Encode(l, 64)).ToArray();
            var input = Segments.Split(wire, cuts.Select(c => Math.Abs(c % (wire.Length + 1))).ToArray());
            var decoded = new List<string>();
            while (Small.TryDecode(input, out var line, out var consumed, out _) == DecodeStatus.Complete)
            {
                decoded.Add(line);
                input = input.Slice(consumed);
            }
            return input.IsEmpty && decoded.SequenceEqual(lines);
        }).QuickCheckThrowOnFailure();
    }
}
