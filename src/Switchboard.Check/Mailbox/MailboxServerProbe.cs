using Switchboard.Check.Core;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Check.Mailbox;

/// <summary>The exchanges the mailbox server cases are made of; each ends in a <see cref="CheckFailedException"/> saying what went wrong.</summary>
internal static class MailboxServerProbe
{
    /// <summary>The handout's gap limit.</summary>
    public static readonly TimeSpan Gap = TimeSpan.FromSeconds(1);

    /// <summary>How late after the gap limit a close still counts as the gap rule at work (a loaded machine, a coarse timer).</summary>
    public static readonly TimeSpan GapSlack = TimeSpan.FromSeconds(1.5);

    /// <summary>Sends a create and waits for the server to close with no response bytes (the protocol's only acknowledgement).</summary>
    public static async Task CreateAsync(CaseContext ctx, string sender, string receiver, string text, CancellationToken ct)
    {
        await using var connection = await ctx.ConnectAsync(ct).ConfigureAwait(false);
        if (!await connection.SendAsync(MailboxBytes.Create(sender, receiver, text), ct).ConfigureAwait(false))
        {
            throw new CheckFailedException($"the server closed the connection while a valid create ({Bytes(MailboxBytes.Create(sender, receiver, text).Length)}) was being sent");
        }
        var answer = await connection.ReadToCloseAsync(ctx.Timeout, ct).ConfigureAwait(false);
        if (answer.Bytes.Length > 0 || !answer.PeerEnded)
        {
            throw new CheckFailedException($"expected no response to a create and a close, got {answer.Describe()}");
        }
    }

    /// <summary>Sends a read for <paramref name="user"/> and decodes the whole response (nothing may follow it).</summary>
    public static async Task<(MessageResponseHeader Header, List<MailboxMessage> Messages, byte[] Raw)> ReadAsync(CaseContext ctx, string user, CancellationToken ct)
    {
        await using var connection = await ctx.ConnectAsync(ct).ConfigureAwait(false);
        await connection.SendAsync(MailboxBytes.Read(user), ct).ConfigureAwait(false);
        var answer = await connection.ReadToCloseAsync(ctx.Timeout, ct).ConfigureAwait(false);
        if (!MailboxBytes.TryDecodeResponse(answer.Bytes, out var header, out var messages, out var problem))
        {
            throw new CheckFailedException($"read for '{user}': expected a MessageResponse, got {problem}{Ending(answer)}");
        }
        if (!answer.PeerEnded)
        {
            throw new CheckFailedException($"read for '{user}': the server did not close the connection after its response ({answer.Describe()})");
        }
        return (header, messages, answer.Bytes);
    }

    /// <summary>
    /// Sends <paramref name="request"/> (all of it that the server takes; half-closing after when <paramref name="halfClose"/>)
    /// and expects the connection closed with no response bytes.
    /// </summary>
    public static async Task ExpectRejectedAsync(CaseContext ctx, byte[] request, string what, CancellationToken ct, bool halfClose = false)
    {
        await using var connection = await ctx.ConnectAsync(ct).ConfigureAwait(false);
        await connection.SendAsync(request, ct).ConfigureAwait(false);
        if (halfClose)
        {
            connection.ShutdownSend();
        }
        var answer = await connection.ReadToCloseAsync(ctx.Timeout, ct).ConfigureAwait(false);
        if (answer.Bytes.Length > 0)
        {
            throw new CheckFailedException($"{what} ({Hex.Preview(request, 12)}): expected the connection closed with no response, got {answer.Describe()}");
        }
        if (!answer.PeerEnded)
        {
            throw new CheckFailedException($"{what} ({Hex.Preview(request, 12)}): expected the connection closed, got {answer.Describe()}");
        }
    }

    /// <summary>Expects <paramref name="receiver"/>'s mailbox empty: whatever <paramref name="what"/> sent was not stored.</summary>
    public static async Task ExpectNotStoredAsync(CaseContext ctx, string receiver, string what, CancellationToken ct)
    {
        MessageResponseHeader header;
        List<MailboxMessage> messages;
        byte[] raw;
        try
        {
            (header, messages, raw) = await ReadAsync(ctx, receiver, ct).ConfigureAwait(false);
        }
        catch (CheckFailedException e)
        {
            // Often the stored remains of the bad request itself (an empty sender, an empty text) make this read malformed.
            throw new CheckFailedException($"after {what}, {e.Message}");
        }
        if (header.NumItems > 0)
        {
            throw new CheckFailedException($"{what} must be rejected, but its message was stored: a read for '{receiver}' got {messages.Count} message(s), {Hex.Preview(raw, 16)}");
        }
    }

    /// <summary>Expects a read for a fresh user to get the empty response: the server survived <paramref name="after"/>.</summary>
    public static async Task ExpectStillServingAsync(CaseContext ctx, string after, CancellationToken ct)
    {
        try
        {
            await ReadAsync(ctx, ctx.FreshName("alive"), ct).ConfigureAwait(false);
        }
        catch (CheckFailedException e)
        {
            throw new CheckFailedException($"after {after}, the server no longer serves: {e.Message}");
        }
    }

    /// <summary>A rejected create: closed with no response, nothing stored for its receiver, and the server still serving.</summary>
    public static async Task<CaseResult> RejectedCreateAsync(CaseContext ctx, byte[] request, string receiver, string what, CancellationToken ct, bool halfClose = false)
    {
        await ExpectRejectedAsync(ctx, request, what, ct, halfClose).ConfigureAwait(false);
        await ExpectNotStoredAsync(ctx, receiver, what, ct).ConfigureAwait(false);
        await ExpectStillServingAsync(ctx, what, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    /// <summary>Expects exactly <paramref name="expected"/> in <paramref name="user"/>'s mailbox, in order, with MoreMsgs = <paramref name="more"/>.</summary>
    public static async Task ExpectMessagesAsync(CaseContext ctx, string user, IReadOnlyList<MailboxMessage> expected, bool more, CancellationToken ct)
    {
        var (header, messages, raw) = await ReadAsync(ctx, user, ct).ConfigureAwait(false);
        var wanted = MailboxBytes.Response(expected, more);
        if (header.MoreMessages != more || messages.Count != expected.Count)
        {
            throw new CheckFailedException($"read for '{user}': expected NumItems {expected.Count} and MoreMsgs {(more ? 1 : 0)}, got NumItems {header.NumItems} and MoreMsgs {(header.MoreMessages ? 1 : 0)} ({Hex.Preview(raw, 8)})");
        }
        for (var i = 0; i < expected.Count; i++)
        {
            if (messages[i] != expected[i])
            {
                throw new CheckFailedException($"read for '{user}': message {i + 1} of {expected.Count} should be {Describe(expected[i])}, got {Describe(messages[i])}");
            }
        }
        if (!raw.AsSpan().SequenceEqual(wanted))
        {
            throw new CheckFailedException($"read for '{user}': expected {Hex.Preview(wanted, 16)}, got {Hex.Preview(raw, 16)}");
        }
    }

    public static string Describe(MailboxMessage m)
    {
        var text = m.Text.Length > 24 ? $"{m.Text[..24]}... ({Bytes(System.Text.Encoding.UTF8.GetByteCount(m.Text))})" : m.Text;
        return $"'{text}' from '{m.Sender}'";
    }

    public static string Bytes(int n) => n == 1 ? "1 byte" : $"{n} bytes";

    private static string Ending(ReadResult answer) => answer.End switch
    {
        ReadEnd.Reset => " then a reset",
        ReadEnd.TimedOut => $", the connection still open after {ReadResult.Seconds(answer.Elapsed)}",
        _ => "",
    };
}
