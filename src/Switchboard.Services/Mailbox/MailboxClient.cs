using System.Text;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;
using Switchboard.Transport.Client;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Mailbox;

/// <summary>What a read request brought back.</summary>
/// <param name="Count">Messages received (and handed to the caller).</param>
/// <param name="MoreWaiting">The server said more messages wait beyond these.</param>
public sealed record MailboxReadResult(int Count, bool MoreWaiting);

/// <summary>
/// The mailbox client (handout 000 §3.2) as an API: one read or create request per call, values in,
/// results out. No console: prompting and printing live in the CLI.
/// </summary>
public sealed class MailboxClient(TransportLimits limits)
{
    /// <summary>The handout: a receiver name is at least 1 character and less than 255 bytes.</summary>
    public const int MaxReceiverBytes = 254;

    /// <summary>The handout: a message is at least 1 character and less than 65,535 bytes.</summary>
    public const int MaxMessageBytes = 65534;

    /// <summary>Checks a user name argument: 1-255 bytes of UTF-8.</summary>
    /// <exception cref="InvalidValueException">Empty or too long.</exception>
    public static void ValidateUser(string user)
    {
        var bytes = Encoding.UTF8.GetByteCount(user);
        if (bytes is < 1 or > MailboxWire.MaxNameBytes)
        {
            throw new InvalidValueException($"USER must be 1-255 bytes of UTF-8, got {bytes} bytes");
        }
    }

    /// <summary>Why <paramref name="receiver"/> is not a valid receiver name, or <c>null</c>.</summary>
    public static string? ReceiverProblem(string receiver) => LengthProblem("receiver name", receiver, MaxReceiverBytes);

    /// <summary>Why <paramref name="message"/> is not a valid message, or <c>null</c>.</summary>
    public static string? MessageProblem(string message) => LengthProblem("message", message, MaxMessageBytes);

    private static string? LengthProblem(string what, string value, int maxBytes)
    {
        var bytes = Encoding.UTF8.GetByteCount(value);
        return bytes == 0 ? $"the {what} must not be empty"
            : bytes > maxBytes ? $"the {what} is {bytes} bytes in UTF-8, at most {maxBytes} allowed"
            : null;
    }

    /// <summary>Sends a create request; completes only once the server closed cleanly, its confirmation that the message is stored.</summary>
    /// <exception cref="InvalidValueException">A name or the message breaks the handout's limits.</exception>
    public async Task CreateAsync(string host, int port, string user, string receiver, string message, CancellationToken cancellationToken)
    {
        ValidateUser(user);
        if ((ReceiverProblem(receiver) ?? MessageProblem(message)) is { } problem)
        {
            throw new InvalidValueException(problem);
        }
        var record = MessageRequestCodec.Encode(MessageRequest.Create(user, receiver, message));

        await using var connection = await ClientConnection.ConnectAsync(host, port, limits.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        using var timer = new GapTimer(limits.GapTimeout, cancellationToken);
        await connection.Output.WriteWithGapAsync(record, timer, MessageRequestCodec.RecordName).ConfigureAwait(false);
        // The handout's server answers a create only by closing once it has stored the message; until
        // then the request may still be queued at a server that is about to stop.
        long unexpected;
        try
        {
            unexpected = await connection.Input.WaitForCloseAsync(timer, "a create request").ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new PeerClosedException($"the connection was reset before the server confirmed the create ({e.Message}): the message may not have been stored");
        }
        if (unexpected > 0)
        {
            throw new ProtocolViolationException(MessageRequestCodec.RecordName, new DecodeError(
                "response to create", $"{Utf8Text.Bytes(unexpected)} received", "none: the server closes without answering", "unexpected-response"));
        }
    }

    /// <summary>Sends a read request and hands each message to <paramref name="onMessage"/> as it arrives.</summary>
    /// <exception cref="ProtocolViolationException">The response is malformed, including bytes after its last message.</exception>
    public async Task<MailboxReadResult> ReadAsync(string host, int port, string user, Func<MailboxMessage, ValueTask> onMessage, CancellationToken cancellationToken)
    {
        ValidateUser(user);
        var record = MessageRequestCodec.Encode(MessageRequest.Read(user));
        await using var connection = await ClientConnection.ConnectAsync(host, port, limits.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        using var timer = new GapTimer(limits.GapTimeout, cancellationToken);
        await connection.Output.WriteWithGapAsync(record, timer, MessageRequestCodec.RecordName).ConfigureAwait(false);

        var header = await connection.Input.ReadFrameAsync(MessageResponseCodec.HeaderDecoder, timer, MessageResponseCodec.RecordName).ConfigureAwait(false);
        for (var i = 0; i < header.NumItems; i++)
        {
            var item = await connection.Input.ReadFrameAsync(
                MessageResponseCodec.ItemDecoder, timer, $"{MessageResponseCodec.RecordName} message {i + 1} of {header.NumItems}").ConfigureAwait(false);
            await onMessage(item).ConfigureAwait(false);
        }
        await RejectTrailingBytesAsync(connection, timer, header.NumItems).ConfigureAwait(false);
        return new MailboxReadResult(header.NumItems, header.MoreMessages);
    }

    /// <summary>
    /// The response ends where its last message ends and the server then closes: anything more is a
    /// malformed response (as extra bytes make a request erroneous). A server that neither closes nor
    /// sends within the gap rule, or resets after a complete response, has still answered in full.
    /// </summary>
    private static async Task RejectTrailingBytesAsync(ClientConnection connection, GapTimer timer, int items)
    {
        long extra;
        try
        {
            extra = await connection.Input.WaitForCloseAsync(timer, "a read response").ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or PeerTimeoutException)
        {
            return;
        }
        if (extra > 0)
        {
            throw new ProtocolViolationException(MessageResponseCodec.RecordName, new DecodeError(
                "record length", $"{Utf8Text.Bytes(extra)} after the last of {items} {(items == 1 ? "message" : "messages")}",
                "nothing: the server closes after the response", "extra-bytes"));
        }
    }
}
