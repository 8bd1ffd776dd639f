using System.Text;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Common;
using Switchboard.Transport.Client;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Mailbox;

/// <summary>
/// The mailbox client (handout 000 §3.2): sends one read or create request. Create prompts on stderr for
/// the receiver and message (re-prompting on invalid input); read prints one <c>SENDER: TEXT</c> line per
/// message on stdout, notices on stderr.
/// </summary>
public sealed class MailboxClient(ConsoleStreams console, TransportLimits limits)
{
    /// <summary>The handout: a receiver name is at least 1 character and less than 255 bytes.</summary>
    public const int MaxReceiverBytes = 254;

    /// <summary>The handout: a message is at least 1 character and less than 65,535 bytes.</summary>
    public const int MaxMessageBytes = 65534;

    /// <summary>Checks a user name argument: 1-255 bytes of UTF-8.</summary>
    /// <exception cref="UsageException">Empty or too long.</exception>
    public static void ValidateUser(string user)
    {
        var bytes = Encoding.UTF8.GetByteCount(user);
        if (bytes is < 1 or > MailboxWire.MaxNameBytes)
        {
            throw new UsageException($"USER must be 1-255 bytes of UTF-8, got {bytes} bytes");
        }
    }

    /// <summary>Runs a create request: prompts, connects, sends, closes.</summary>
    public async Task CreateAsync(string host, int port, string user, CancellationToken cancellationToken)
    {
        ValidateUser(user);
        var receiver = await PromptAsync("Receiver name: ", "receiver name", MaxReceiverBytes, cancellationToken).ConfigureAwait(false);
        var message = await PromptAsync("Message: ", "message", MaxMessageBytes, cancellationToken).ConfigureAwait(false);
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
        await console.Error.WriteLineAsync($"sent a message for '{receiver}' ({Encoding.UTF8.GetByteCount(message)} bytes) to {host} port {port}; the server stored it").ConfigureAwait(false);
    }

    /// <summary>Runs a read request: connects, sends, prints each message as it arrives.</summary>
    /// <returns>The number of messages printed.</returns>
    public async Task<int> ReadAsync(string host, int port, string user, CancellationToken cancellationToken)
    {
        ValidateUser(user);
        var record = MessageRequestCodec.Encode(MessageRequest.Read(user));
        await using var connection = await ClientConnection.ConnectAsync(host, port, limits.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        using var timer = new GapTimer(limits.GapTimeout, cancellationToken);
        await connection.Output.WriteWithGapAsync(record, timer, MessageRequestCodec.RecordName).ConfigureAwait(false);

        var header = await connection.Input.ReadFrameAsync(MessageResponseCodec.HeaderDecoder, timer, MessageResponseCodec.RecordName).ConfigureAwait(false);
        if (header.NumItems == 0)
        {
            await console.Error.WriteLineAsync($"no messages for '{user}'").ConfigureAwait(false);
        }
        for (var i = 0; i < header.NumItems; i++)
        {
            var item = await connection.Input.ReadFrameAsync(
                MessageResponseCodec.ItemDecoder, timer, $"{MessageResponseCodec.RecordName} message {i + 1} of {header.NumItems}").ConfigureAwait(false);
            await console.Out.WriteLineAsync($"{item.Sender}: {item.Text}").ConfigureAwait(false);
        }
        await console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
        if (header.MoreMessages)
        {
            await console.Error.WriteLineAsync($"more messages are waiting for '{user}': read again to get them").ConfigureAwait(false);
        }
        return header.NumItems;
    }

    /// <summary>Asks until the answer is 1-<paramref name="maxBytes"/> bytes; end of input is an error, never an endless loop.</summary>
    private async Task<string> PromptAsync(string prompt, string what, int maxBytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            await console.Error.WriteAsync(prompt).ConfigureAwait(false);
            await console.Error.FlushAsync(cancellationToken).ConfigureAwait(false);
            var line = await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false)
                ?? throw new MailboxInputException($"input ended before a valid {what} was entered");
            var bytes = Encoding.UTF8.GetByteCount(line);
            if (bytes >= 1 && bytes <= maxBytes)
            {
                return line;
            }
            await console.Error.WriteLineAsync(bytes == 0
                ? $"the {what} must not be empty; try again"
                : $"the {what} is {bytes} bytes in UTF-8, at most {maxBytes} allowed; try again").ConfigureAwait(false);
        }
    }
}
