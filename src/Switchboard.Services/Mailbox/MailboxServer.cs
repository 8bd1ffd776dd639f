using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Mailbox;

/// <summary>
/// The mailbox server (handout 000): one MessageRequest per connection. Create stores the message and
/// closes without answering; read answers with the user's oldest ≤ 255 messages and deletes exactly
/// those, once the response was written. Any malformed, short, long or stalled request is logged and
/// closed; nothing stored is touched.
/// The endpoint is abortive (<see cref="ListenSpec.AbortiveUntilAcknowledged"/>): the protocol's only
/// acknowledgement of a create is a clean close, so the connection is switched to a clean close only
/// once the create is committed (or a read's messages were written and deleted); every other ending,
/// a crash included, is a reset.
/// </summary>
public sealed class MailboxServer : ServiceConnectionHandler
{
    public const string ServiceName = "mailbox";

    private readonly MailboxServerOptions _options;
    private readonly IMailboxStore _store;

    public MailboxServer(MailboxServerOptions options, IMailboxStore store, ILoggerFactory logs, SwitchboardMetrics metrics)
        : base(ServiceName, logs.CreateLogger(ServiceName), metrics)
    {
        _options = options;
        _store = store;
        // Kestrel builds one handler per endpoint at start, so this is logged once.
        Logger.LogInformation("messages are kept in {Store}{Volatile}", store.Description,
            store is MemoryMailboxStore ? " (volatile: lost when the server stops)" : string.Empty);
    }

    // Flush in pieces so the gap rule measures progress, and a 16 MiB response never sits in memory whole.
    private const int FlushThreshold = 64 * 1024;

    protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
    {
        using var timer = new GapTimer(_options.Limits.GapTimeout);
        timer.StartDeadline(_options.Limits.RequestTimeout);
        var input = connection.Transport.Input;
        var request = await input.ReadFrameAsync(MessageRequestCodec.Instance, timer, MessageRequestCodec.RecordName).ConfigureAwait(false);
        timer.ClearDeadline();

        // The handout: reading more bytes than the header announced makes the request erroneous.
        var extra = input.BufferedByteCount();
        if (extra > 0)
        {
            throw new ProtocolViolationException(MessageRequestCodec.RecordName, new DecodeError(
                "record length", $"{Utf8Text.Bytes(extra)} more than NameLen + ReceiverLen + MessageLen announced",
                "exactly the announced body", "extra-bytes"));
        }

        if (request.Kind == MessageRequestKind.Create)
        {
            await CreateAsync(connection, request, peer).ConfigureAwait(false);
        }
        else
        {
            await ReadAsync(connection, request.User, timer, peer).ConfigureAwait(false);
        }
    }

    private async Task CreateAsync(ConnectionContext connection, MessageRequest request, string peer)
    {
        // Not cancellable: once the request was received whole, the message is stored even during shutdown.
        await _store.AppendAsync(request.Receiver, new MailboxMessage(request.User, request.Message), CancellationToken.None).ConfigureAwait(false);
        ConnectionClose.Acknowledge(connection);
        var bytes = Utf8Text.ByteCount(request.Message);
        Metrics.Request(Service, "create");
        Metrics.BytesReceived(Service, bytes);
        // Checked first: the arguments (a formatted size, boxing, the params array) cost on every request even when the line is filtered out.
        if (Logger.IsEnabled(LogLevel.Information))
        {
            Logger.LogInformation("{Peer}: create: stored a message from '{Sender}' for '{Receiver}' ({Bytes})",
                peer, request.User, request.Receiver, Utf8Text.Bytes(bytes));
        }
    }

    private async Task ReadAsync(ConnectionContext connection, string user, GapTimer timer, string peer)
    {
        var claim = await _store.ClaimAsync(user, MailboxWire.MaxItemsPerResponse, CancellationToken.None).ConfigureAwait(false);
        foreach (var bad in claim.Quarantined)
        {
            Metrics.Reject(Service, "quarantined");
            Logger.LogWarning("{Peer}: read: a stored message for '{User}' cannot be sent ({Reason}); set aside as quarantine entry {Id}, delivering the rest",
                peer, user, bad.Reason, bad.Id);
        }
        long sent;
        try
        {
            // Nothing is written before every message is known to be encodable: a response header must
            // never announce messages that cannot follow.
            foreach (var message in claim.Messages)
            {
                if (StoredMessageCheck.Problem(message) is { } problem)
                {
                    throw new InvalidOperationException($"the store returned a message it should have set aside: {problem}");
                }
            }
            sent = await WriteResponseAsync(connection.Transport.Output, claim, timer).ConfigureAwait(false);
        }
        catch
        {
            // Not delivered: the messages go back, in order, for the next read.
            await _store.ReleaseAsync(claim, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        await _store.CommitAsync(claim, CancellationToken.None).ConfigureAwait(false);
        ConnectionClose.Acknowledge(connection);
        Metrics.Request(Service, "read");
        Metrics.BytesSent(Service, sent);
        if (Logger.IsEnabled(LogLevel.Information))
        {
            Logger.LogInformation("{Peer}: read: sent {Count} {Messages} to '{User}'{More}",
                peer, claim.Messages.Count, claim.Messages.Count == 1 ? "message" : "messages", user, claim.MoreWaiting ? "; more are waiting" : string.Empty);
        }
    }

    private static async Task<long> WriteResponseAsync(PipeWriter output, MailboxClaim claim, GapTimer timer)
    {
        MessageResponseCodec.WriteHeader(output, claim.Messages.Count, claim.MoreWaiting);
        long total = MailboxWire.ResponseHeaderSize, pending = total;
        foreach (var message in claim.Messages)
        {
            var size = MessageResponseCodec.WriteItem(output, message);
            total += size;
            pending += size;
            if (pending >= FlushThreshold)
            {
                await output.FlushWithGapAsync(timer, MessageResponseCodec.RecordName).ConfigureAwait(false);
                pending = 0;
            }
        }
        await output.FlushWithGapAsync(timer, MessageResponseCodec.RecordName).ConfigureAwait(false);
        return total;
    }
}
