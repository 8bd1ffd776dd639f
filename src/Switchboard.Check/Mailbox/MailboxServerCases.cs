using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Switchboard.Check.Core;
using Switchboard.Protocol.Mailbox;
using static Switchboard.Check.Mailbox.MailboxServerProbe;

namespace Switchboard.Check.Mailbox;

/// <summary>
/// The mailbox server cases (handout 000). Every case uses names no other case or run uses, so a durable server
/// holding earlier runs' messages is judged the same as a fresh one. Each bad request is followed by a read, to
/// show the server is still serving (a crash is the commonest failure of student servers).
/// </summary>
internal static class MailboxServerCases
{
    private const string Prefix = "mailbox.server.";

    public static IReadOnlyList<CheckCase> All { get; } =
    [
        new(Prefix + "read-empty", "a read for a user with no messages gets exactly ae73 03 00 00 and a close", ReadEmptyAsync),
        new(Prefix + "create-then-read", "a create gets no response and a close; a read then returns the message and its sender", CreateThenReadAsync),
        new(Prefix + "fifo-order", "three messages come back first in, first out", FifoAsync),
        new(Prefix + "deleted-once-read", "messages are removed once read: a second read is empty", DeletedOnceReadAsync),
        new(Prefix + "utf8-names", "names and text in UTF-8; lengths count bytes, not characters", Utf8Async),
        new(Prefix + "long-names", "255-byte sender and receiver names", LongNamesAsync),
        new(Prefix + "large-message", "a 65,535-byte message (far over one 4 KB recv) is stored and returned whole", LargeMessageAsync, TimeoutFactor: 2),
        new(Prefix + "more-msgs", "300 messages: 255 with MoreMsgs = 1, then 45 with MoreMsgs = 0, in order", MoreMsgsAsync, TimeoutFactor: 8),
        new(Prefix + "one-byte-at-a-time", "a create sent one byte per segment is reassembled and stored", OneByteAtATimeAsync),
        new(Prefix + "bad-magic", "MagicNo 0xAE74: rejected, nothing stored, server still serving", BadMagicAsync),
        new(Prefix + "bad-id", "ID 3 (not 1 or 2): rejected, nothing stored, server still serving", BadIdAsync),
        new(Prefix + "name-len-zero", "NameLen 0: rejected, nothing stored, server still serving", NameLenZeroAsync),
        new(Prefix + "read-with-receiver-len", "read with ReceiverLen 3: rejected with no response, server still serving", ReadWithReceiverLenAsync),
        new(Prefix + "read-with-message-len", "read with MessageLen 5: rejected with no response, server still serving", ReadWithMessageLenAsync),
        new(Prefix + "create-receiver-len-zero", "create with ReceiverLen 0: rejected with no response, server still serving", CreateReceiverLenZeroAsync),
        new(Prefix + "create-message-len-zero", "create with MessageLen 0: rejected, nothing stored, server still serving", CreateMessageLenZeroAsync),
        new(Prefix + "body-short", "fewer body bytes than the header announces, then end of stream: rejected, nothing stored", BodyShortAsync),
        new(Prefix + "body-long", "more body bytes than the header announces: rejected, nothing stored", BodyLongAsync),
        new(Prefix + "short-header", "4 of the 7 header bytes, then end of stream: closed with no response, server still serving", ShortHeaderAsync),
        new(Prefix + "invalid-utf8", "a create whose sender is not UTF-8 (ff fe): the server survives it and still serves", InvalidUtf8Async),
        new(Prefix + "gap", "a 1.5 s pause inside a create: the connection is closed near 1 s, nothing stored", GapAsync),
        new(Prefix + "silent-connection", "a connection that sends nothing is closed near 1 s", SilentConnectionAsync),
    ];

    private static async Task<CaseResult> ReadEmptyAsync(CaseContext ctx, CancellationToken ct)
    {
        await ExpectMessagesAsync(ctx, ctx.FreshName("nobody"), [], more: false, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> CreateThenReadAsync(CaseContext ctx, CancellationToken ct)
    {
        string sender = ctx.FreshName("alice"), receiver = ctx.FreshName("bob");
        await CreateAsync(ctx, sender, receiver, "hello bob", ct).ConfigureAwait(false);
        await ExpectMessagesAsync(ctx, receiver, [new MailboxMessage(sender, "hello bob")], more: false, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> FifoAsync(CaseContext ctx, CancellationToken ct)
    {
        string receiver = ctx.FreshName("bob");
        var sent = new List<MailboxMessage>();
        foreach (var (who, text) in new[] { ("carol", "first"), ("dave", "second"), ("carol", "third") })
        {
            var sender = ctx.FreshName(who);
            await CreateAsync(ctx, sender, receiver, text, ct).ConfigureAwait(false);
            sent.Add(new MailboxMessage(sender, text));
        }
        await ExpectMessagesAsync(ctx, receiver, sent, more: false, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> DeletedOnceReadAsync(CaseContext ctx, CancellationToken ct)
    {
        string sender = ctx.FreshName("alice"), receiver = ctx.FreshName("bob");
        await CreateAsync(ctx, sender, receiver, "read me once", ct).ConfigureAwait(false);
        await ExpectMessagesAsync(ctx, receiver, [new MailboxMessage(sender, "read me once")], more: false, ct).ConfigureAwait(false);
        try
        {
            await ExpectMessagesAsync(ctx, receiver, [], more: false, ct).ConfigureAwait(false);
        }
        catch (CheckFailedException e)
        {
            throw new CheckFailedException($"second read: {e.Message}");
        }
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> Utf8Async(CaseContext ctx, CancellationToken ct)
    {
        string sender = ctx.FreshName("zoë"), receiver = ctx.FreshName("名前");
        const string text = "héllo, 世界 🌍";
        await CreateAsync(ctx, sender, receiver, text, ct).ConfigureAwait(false);
        await ExpectMessagesAsync(ctx, receiver, [new MailboxMessage(sender, text)], more: false, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> LongNamesAsync(CaseContext ctx, CancellationToken ct)
    {
        string sender = Pad(ctx.FreshName("s"), 255), receiver = Pad(ctx.FreshName("r"), 255);
        await CreateAsync(ctx, sender, receiver, "long names", ct).ConfigureAwait(false);
        await ExpectMessagesAsync(ctx, receiver, [new MailboxMessage(sender, "long names")], more: false, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> LargeMessageAsync(CaseContext ctx, CancellationToken ct)
    {
        string sender = ctx.FreshName("alice"), receiver = ctx.FreshName("bob");
        var text = Pattern(MailboxWire.MaxMessageBytes);
        await CreateAsync(ctx, sender, receiver, text, ct).ConfigureAwait(false);
        var (header, messages, raw) = await ReadAsync(ctx, receiver, ct).ConfigureAwait(false);
        if (messages.Count != 1 || messages[0].Text != text)
        {
            var got = messages.Count == 0 ? $"{header.NumItems} messages" : $"a message of {Bytes(Encoding.UTF8.GetByteCount(messages[0].Text))}";
            throw new CheckFailedException($"expected one message of {Bytes(text.Length)}, got {got} (response of {Bytes(raw.Length)})");
        }
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> MoreMsgsAsync(CaseContext ctx, CancellationToken ct)
    {
        string sender = ctx.FreshName("alice"), receiver = ctx.FreshName("bob");
        var sent = new List<MailboxMessage>();
        for (var i = 1; i <= 300; i++)
        {
            var text = $"message {i}";
            await CreateAsync(ctx, sender, receiver, text, ct).ConfigureAwait(false);
            sent.Add(new MailboxMessage(sender, text));
        }
        try
        {
            await ExpectMessagesAsync(ctx, receiver, sent[..255], more: true, ct).ConfigureAwait(false);
        }
        catch (CheckFailedException e)
        {
            throw new CheckFailedException($"first read of 300 waiting: {e.Message}");
        }
        try
        {
            await ExpectMessagesAsync(ctx, receiver, sent[255..], more: false, ct).ConfigureAwait(false);
        }
        catch (CheckFailedException e)
        {
            throw new CheckFailedException($"second read (45 left): {e.Message}");
        }
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> OneByteAtATimeAsync(CaseContext ctx, CancellationToken ct)
    {
        // Short names keep the whole trickle well under a second, so servers that bound the whole request by 1 s pass too.
        string sender = ctx.FreshName("a"), receiver = ctx.FreshName("b");
        var request = MailboxBytes.Create(sender, receiver, "1by1");
        await using (var connection = await ctx.ConnectAsync(ct).ConfigureAwait(false))
        {
            if (!await connection.SendSlowlyAsync(request, 1, TimeSpan.FromMilliseconds(5), ct).ConfigureAwait(false))
            {
                throw new CheckFailedException($"the server closed the connection before all {MailboxServerProbe.Bytes(request.Length)} of a valid create sent a byte at a time had arrived (a single recv returns what has arrived so far)");
            }
            var answer = await connection.ReadToCloseAsync(ctx.Timeout, ct).ConfigureAwait(false);
            if (answer.Bytes.Length > 0 || !answer.PeerEnded)
            {
                throw new CheckFailedException($"expected no response to a create and a close, got {answer.Describe()}");
            }
        }
        await ExpectMessagesAsync(ctx, receiver, [new MailboxMessage(sender, "1by1")], more: false, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static Task<CaseResult> BadMagicAsync(CaseContext ctx, CancellationToken ct)
    {
        var receiver = ctx.FreshName("bob");
        var request = MailboxBytes.TamperedCreate(ctx.FreshName("alice"), receiver, "bad magic", r => BinaryPrimitives.WriteUInt16BigEndian(r, 0xAE74));
        return RejectedCreateAsync(ctx, request, receiver, "a create with MagicNo 0xAE74", ct);
    }

    private static Task<CaseResult> BadIdAsync(CaseContext ctx, CancellationToken ct)
    {
        var receiver = ctx.FreshName("bob");
        var request = MailboxBytes.TamperedCreate(ctx.FreshName("alice"), receiver, "bad id", r => r[2] = 3);
        return RejectedCreateAsync(ctx, request, receiver, "a create-shaped request with ID 3", ct);
    }

    private static Task<CaseResult> NameLenZeroAsync(CaseContext ctx, CancellationToken ct)
    {
        var receiver = ctx.FreshName("bob");
        var body = MailboxBytes.Utf8(receiver + "no sender");
        var request = MailboxBytes.Request(MailboxWire.Magic, MailboxWire.CreateId, 0, Encoding.UTF8.GetByteCount(receiver), "no sender".Length, body);
        return RejectedCreateAsync(ctx, request, receiver, "a create with NameLen 0", ct);
    }

    private static async Task<CaseResult> ReadWithReceiverLenAsync(CaseContext ctx, CancellationToken ct)
    {
        var user = ctx.FreshName("alice");
        var request = MailboxBytes.Request(MailboxWire.Magic, MailboxWire.ReadId, Encoding.UTF8.GetByteCount(user), 3, 0, MailboxBytes.Utf8(user + "bob"));
        await ExpectRejectedAsync(ctx, request, "a read with ReceiverLen 3", ct).ConfigureAwait(false);
        await ExpectStillServingAsync(ctx, "a read with ReceiverLen 3", ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> ReadWithMessageLenAsync(CaseContext ctx, CancellationToken ct)
    {
        var user = ctx.FreshName("alice");
        var request = MailboxBytes.Request(MailboxWire.Magic, MailboxWire.ReadId, Encoding.UTF8.GetByteCount(user), 0, 5, MailboxBytes.Utf8(user + "hello"));
        await ExpectRejectedAsync(ctx, request, "a read with MessageLen 5", ct).ConfigureAwait(false);
        await ExpectStillServingAsync(ctx, "a read with MessageLen 5", ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> CreateReceiverLenZeroAsync(CaseContext ctx, CancellationToken ct)
    {
        // What a lenient server stored under an empty name cannot be read back (NameLen must be at least 1),
        // so this case can only see the close and the server's survival.
        var sender = ctx.FreshName("alice");
        var request = MailboxBytes.Request(MailboxWire.Magic, MailboxWire.CreateId, Encoding.UTF8.GetByteCount(sender), 0, 5, MailboxBytes.Utf8(sender + "hello"));
        await ExpectRejectedAsync(ctx, request, "a create with ReceiverLen 0", ct).ConfigureAwait(false);
        await ExpectStillServingAsync(ctx, "a create with ReceiverLen 0", ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static Task<CaseResult> CreateMessageLenZeroAsync(CaseContext ctx, CancellationToken ct)
    {
        string sender = ctx.FreshName("alice"), receiver = ctx.FreshName("bob");
        var request = MailboxBytes.Request(MailboxWire.Magic, MailboxWire.CreateId, Encoding.UTF8.GetByteCount(sender), Encoding.UTF8.GetByteCount(receiver), 0, MailboxBytes.Utf8(sender + receiver));
        return RejectedCreateAsync(ctx, request, receiver, "a create with MessageLen 0", ct);
    }

    private static Task<CaseResult> BodyShortAsync(CaseContext ctx, CancellationToken ct)
    {
        var receiver = ctx.FreshName("bob");
        var whole = MailboxBytes.Create(ctx.FreshName("alice"), receiver, "ten bytes!");
        return RejectedCreateAsync(ctx, whole[..^5], receiver, "a create 5 bytes short of its announced body, then end of stream", ct, halfClose: true);
    }

    private static Task<CaseResult> BodyLongAsync(CaseContext ctx, CancellationToken ct)
    {
        var receiver = ctx.FreshName("bob");
        var request = MailboxBytes.Create(ctx.FreshName("alice"), receiver, "hello").Concat("EXTRA"u8.ToArray()).ToArray();
        return RejectedCreateAsync(ctx, request, receiver, "a create with 5 bytes more than its announced body", ct);
    }

    private static async Task<CaseResult> ShortHeaderAsync(CaseContext ctx, CancellationToken ct)
    {
        byte[] request = [0xAE, 0x73, MailboxWire.ReadId, 5];
        await ExpectRejectedAsync(ctx, request, "a 4-byte header then end of stream", ct, halfClose: true).ConfigureAwait(false);
        await ExpectStillServingAsync(ctx, "a 4-byte header", ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> InvalidUtf8Async(CaseContext ctx, CancellationToken ct)
    {
        // The handout does not say whether such a request is stored or rejected; decoding it must not bring the server down.
        var receiver = MailboxBytes.Utf8(ctx.FreshName("bob"));
        byte[] sender = [0x61, 0xFF, 0xFE];
        var request = MailboxBytes.Request(MailboxWire.Magic, MailboxWire.CreateId, sender.Length, receiver.Length, 2, [.. sender, .. receiver, .. "hi"u8]);
        await using (var connection = await ctx.ConnectAsync(ct).ConfigureAwait(false))
        {
            await connection.SendAsync(request, ct).ConfigureAwait(false);
            var answer = await connection.ReadToCloseAsync(ctx.Timeout, ct).ConfigureAwait(false);
            if (answer.Bytes.Length > 0 || !answer.PeerEnded)
            {
                throw new CheckFailedException($"a create with sender ff fe: expected a close with no response, got {answer.Describe()}");
            }
        }
        await ExpectStillServingAsync(ctx, "a create whose sender is not UTF-8", ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> GapAsync(CaseContext ctx, CancellationToken ct)
    {
        var receiver = ctx.FreshName("bob");
        var request = MailboxBytes.Create(ctx.FreshName("alice"), receiver, "after a pause");
        var split = request.Length - 6;
        var pause = TimeSpan.FromSeconds(1.5);
        string closed;
        await using (var connection = await ctx.ConnectAsync(ct).ConfigureAwait(false))
        {
            await connection.SendAsync(request[..split], ct).ConfigureAwait(false);
            var during = await connection.ReadAsync(1, pause, ct).ConfigureAwait(false);
            if (during.Bytes.Length > 0)
            {
                throw new CheckFailedException($"expected no response during a pause inside a create, got {during.Describe()}");
            }
            await connection.SendAsync(request[split..], ct).ConfigureAwait(false);
            var after = during.PeerEnded ? during : await connection.ReadToCloseAsync(ctx.Timeout, ct).ConfigureAwait(false);
            closed = during.PeerEnded ? $"closed after {ReadResult.Seconds(during.Elapsed)}" : "not closed during the pause";
            if (!after.PeerEnded)
            {
                throw new CheckFailedException($"a create with a 1.5 s pause before its last 6 bytes: expected the connection closed, got {after.Describe()}");
            }
        }
        await ExpectNotStoredAsync(ctx, receiver, $"a create with a 1.5 s pause inside it ({closed})", ct).ConfigureAwait(false);
        await ExpectStillServingAsync(ctx, "a request with a 1.5 s pause", ct).ConfigureAwait(false);
        return CaseResult.Pass(closed);
    }

    private static async Task<CaseResult> SilentConnectionAsync(CaseContext ctx, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        await using (var connection = await ctx.ConnectAsync(ct).ConfigureAwait(false))
        {
            var answer = await connection.ReadToCloseAsync(ctx.Timeout, ct).ConfigureAwait(false);
            if (answer.Bytes.Length > 0)
            {
                throw new CheckFailedException($"expected nothing on a silent connection, got {answer.Describe()}");
            }
            if (!answer.PeerEnded)
            {
                throw new CheckFailedException($"a connection that sends nothing must be closed after the 1 s gap, got {answer.Describe()}");
            }
            if (answer.Elapsed > Gap + GapSlack)
            {
                throw new CheckFailedException($"a connection that sends nothing was closed only after {ReadResult.Seconds(answer.Elapsed)}: the gap limit is 1 s");
            }
        }
        await ExpectStillServingAsync(ctx, "a silent connection", ct).ConfigureAwait(false);
        return CaseResult.Pass($"closed after {ReadResult.Seconds(clock.Elapsed)}");
    }

    /// <summary><paramref name="name"/> padded with 'x' to exactly <paramref name="bytes"/> UTF-8 bytes (names here are ASCII).</summary>
    private static string Pad(string name, int bytes) => name + new string('x', bytes - Encoding.UTF8.GetByteCount(name));

    /// <summary>ASCII text of <paramref name="length"/> bytes whose every 4 KB block differs, so a truncated or repeated chunk shows.</summary>
    private static string Pattern(int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; text.Length < length; i++)
        {
            text.Append(CultureInvariant($"[{i:D5}]"));
        }
        return text.ToString(0, length);
    }

    private static string CultureInvariant(FormattableString s) => FormattableString.Invariant(s);
}
