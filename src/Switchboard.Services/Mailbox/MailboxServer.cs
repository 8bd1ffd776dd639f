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
/// </summary>
public sealed class MailboxServer(MailboxServerOptions options, IMailboxStore store, ILoggerFactory logs, SwitchboardMetrics metrics)
    : ServiceConnectionHandler(ServiceName, logs.CreateLogger(ServiceName), metrics)
{
    public const string ServiceName = "mailbox";

    // Flush in pieces so the gap rule measures progress, and a 16 MiB response never sits in memory whole.
    private const int FlushThreshold = 64 * 1024;

    protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
    {
        using var timer = new GapTimer(options.Limits.GapTimeout);
        timer.StartDeadline(options.Limits.RequestTimeout);
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
            await CreateAsync(request, peer).ConfigureAwait(false);
        }
        else
        {
            await ReadAsync(request.User, connection.Transport.Output, timer, peer).ConfigureAwait(false);
        }
    }

    private async Task CreateAsync(MessageRequest request, string peer)
    {
        // Not cancellable: once the request was received whole, the message is stored even during shutdown.
        await store.AppendAsync(request.Receiver, new MailboxMessage(request.User, request.Message), CancellationToken.None).ConfigureAwait(false);
        Metrics.Request(Service, "create");
        Metrics.BytesReceived(Service, Utf8Text.ByteCount(request.Message));
        Logger.LogInformation("{Peer}: create: stored a message from '{Sender}' for '{Receiver}' ({Bytes})",
            peer, request.User, request.Receiver, Utf8Text.Bytes(Utf8Text.ByteCount(request.Message)));
    }

    private async Task ReadAsync(string user, PipeWriter output, GapTimer timer, string peer)
    {
        var claim = await store.ClaimAsync(user, MailboxWire.MaxItemsPerResponse, CancellationToken.None).ConfigureAwait(false);
        long sent;
        try
        {
            sent = await WriteResponseAsync(output, claim, timer).ConfigureAwait(false);
        }
        catch
        {
            // Not delivered: the messages go back, in order, for the next read.
            await store.ReleaseAsync(claim, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        await store.CommitAsync(claim, CancellationToken.None).ConfigureAwait(false);
        Metrics.Request(Service, "read");
        Metrics.BytesSent(Service, sent);
        Logger.LogInformation("{Peer}: read: sent {Count} message(s) to '{User}'{More}",
            peer, claim.Messages.Count, user, claim.MoreWaiting ? "; more are waiting" : string.Empty);
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
