using System.Buffers;
using FsCheck;
using FsCheck.Fluent;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Protocol.Tests.Mailbox;

/// <summary>Hostile input: whatever bytes arrive, the decoders answer with a status, never an exception.</summary>
public sealed class MailboxCodecPropertyTests
{
    private static readonly Config Runs = Config.QuickThrowOnFailure.WithMaxTest(2000);

    /// <summary>Random bytes, biased to start with the magic number so the deeper checks are reached too.</summary>
    private static Arbitrary<byte[]> Hostile(byte magicHi, byte magicLo) => ArbMap.Default.GeneratorFor<byte[]>()
        .SelectMany(rest => ArbMap.Default.GeneratorFor<bool>().Select(withMagic => withMagic ? [magicHi, magicLo, .. rest] : rest))
        .ToArbitrary();

    [Fact]
    public void Random_bytes_never_throw_from_the_request_decoder()
    {
        Prop.ForAll(Hostile(0xAE, 0x73), bytes =>
        {
            var status = MessageRequestCodec.Instance.TryDecode(new ReadOnlySequence<byte>(bytes), out var request, out _, out var error);
            return status switch
            {
                DecodeStatus.Complete => request is not null,
                DecodeStatus.Invalid => error.Field.Length > 0,
                _ => true,
            };
        }).Check(Runs);
    }

    [Fact]
    public void Random_bytes_never_throw_from_the_response_decoders()
    {
        Prop.ForAll(Hostile(0xAE, 0x73), bytes =>
        {
            var sequence = new ReadOnlySequence<byte>(bytes);
            MessageResponseCodec.TryDecode(sequence, out _, out _, out _);
            MessageResponseCodec.ItemDecoder.TryDecode(sequence, out _, out _, out _);
            return true;
        }).Check(Runs);
    }

    [Fact]
    public void Any_valid_create_request_round_trips()
    {
        var text = ArbMap.Default.GeneratorFor<NonEmptyString>().Select(s => s.Get)
            .Where(s => System.Text.Encoding.UTF8.GetByteCount(s) <= 255 && !s.Any(char.IsSurrogate));
        var requests = text.SelectMany(sender => text.SelectMany(receiver => text.Select(body => MessageRequest.Create(sender, receiver, body))));
        Prop.ForAll(requests.ToArbitrary(), request =>
        {
            var status = MessageRequestCodec.Instance.TryDecode(new ReadOnlySequence<byte>(MessageRequestCodec.Encode(request)), out var decoded, out _, out _);
            return status == DecodeStatus.Complete && decoded == request;
        }).Check(Runs);
    }
}
