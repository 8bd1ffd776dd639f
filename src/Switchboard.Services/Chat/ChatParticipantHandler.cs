using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Chat;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Chat;

/// <summary>A participant: negotiates a username, then sends messages, <c>/who</c>, private messages.</summary>
internal sealed class ChatParticipantHandler(ChatRoom room, ILoggerFactory logs, SwitchboardMetrics metrics, ChatMetrics chatMetrics)
    : ChatConnectionHandler(room, ChatMemberKind.Participant, logs, metrics)
{
    // A sender that never runs out of input still lets its receivers' writers run this often.
    private const int MostMessagesHeld = 64;

    protected override async Task ConverseAsync(ChatMember member, PipeReader input, CancellationToken stop)
    {
        while (true)
        {
            var name = await ReadChoiceAsync(member, input, stop, "username", ChatCodes.UsernameTimeout).ConfigureAwait(false);
            if (name is null)
            {
                return;
            }
            var outcome = Room.TryClaim(member, name);
            if (outcome == UsernameOutcome.Accepted)
            {
                break;
            }
            Metrics.Reject(Service, outcome == UsernameOutcome.InUse ? "username-in-use" : "username-invalid");
            Logger.LogInformation("{Peer}: username {Name} refused: {Reason}", member.Peer, Quote(name),
                outcome == UsernameOutcome.InUse ? "in use" : Username.Describe(name));
        }
        // Made only once named: a participant still choosing a name holds no limiter.
        var limit = Options.RateBurst == 0 ? null : new MessageRateLimit(Options.RateBurst, Options.RatePerSecond);
        using var gap = new GapTimer(Options.Limits.GapTimeout, stop);
        var held = 0;
        try
        {
            while (true)
            {
                var read = input.TryReadFrameAsync(ChatFrameCodec.FromClients, gap, ChatWire.RecordName, idleUntilFirstByte: true);
                if (!read.IsCompleted || ++held >= MostMessagesHeld)
                {
                    // This read is used up (or a flood is still coming): what its messages queued goes out now, one
                    // send per receiver for the lot.
                    held = 0;
                    Room.StartDueWriters();
                }
                var frame = await read.ConfigureAwait(false);
                if (frame.IsClosed)
                {
                    return;
                }
                OnMessage(member, limit, frame.Frame);
            }
        }
        finally
        {
            Room.StartDueWriters();
        }
    }

    private void OnMessage(ChatMember member, MessageRateLimit? limit, string text)
    {
        if (limit is not null)
        {
            if (!limit.TryTake())
            {
                chatMetrics.Dropped("rate-limited");
                Room.Reply(member, ChatLines.RateLimited(Options.RateBurst, Options.RatePerSecond));
                return;
            }
        }
        var length = CodePoints.Count(text);
        if (length > ChatWire.MaxMessageCharacters)
        {
            chatMetrics.Dropped("too-long");
            Room.Reply(member, ChatLines.TooLong(length));
            return;
        }
        if (text.Length == 0)
        {
            return;
        }
        if (text == ChatCodes.Who)
        {
            chatMetrics.MessageIn("who");
            Room.Reply(member, Room.Who());
            return;
        }
        switch (PrivateMessage.Classify(text, out var recipient))
        {
            case MessageKind.Public:
                Room.Public(member, text);
                break;
            case MessageKind.Private:
                Room.Private(member, recipient, text);
                break;
            default:
                chatMetrics.Dropped("malformed-private");
                Room.Reply(member, ChatLines.MalformedPrivate);
                break;
        }
    }

    private static string Quote(string name) => $"'{CodePoints.Shorten(name, 40)}'";
}
