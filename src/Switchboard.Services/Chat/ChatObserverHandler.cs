using System.IO.Pipelines;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol.Chat;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Chat;

/// <summary>An observer: pairs with one active participant by its name and pairing code, then only receives.</summary>
internal sealed class ChatObserverHandler(ChatRoom room, ILoggerFactory logs, SwitchboardMetrics metrics)
    : ChatConnectionHandler(room, ChatMemberKind.Observer, logs, metrics)
{
    protected override async Task ConverseAsync(ChatMember member, PipeReader input, CancellationToken stop)
    {
        for (var attempt = 1; ; attempt++)
        {
            var request = await ReadChoiceAsync(member, input, stop, "pairing request", ChatCodes.ObserverRefused).ConfigureAwait(false);
            if (request is null)
            {
                return;
            }
            var outcome = Room.TryPair(member, request);
            if (outcome == PairingOutcome.Accepted)
            {
                break;
            }
            Metrics.Reject(Service, outcome == PairingOutcome.InUse ? "observer-in-use" : "observer-invalid");
            Logger.LogInformation("{Peer}: pairing refused ({Outcome}), attempt {Attempt} of {Max}", member.Peer, outcome, attempt, Options.MaxPairingAttempts);
            if (attempt >= Options.MaxPairingAttempts)
            {
                Room.Send(member, ChatCodes.ObserverRefused);
                Logger.LogWarning("{Peer}: closed: {Max} failed pairing attempts", member.Peer, Options.MaxPairingAttempts);
                return;
            }
        }
        // Paired: an observer cannot send. Keep reading so a close is noticed at once; say so the first time.
        using var gap = new GapTimer(Options.Limits.GapTimeout, stop);
        var warned = false;
        while (true)
        {
            var frame = await input.TryReadFrameAsync(ChatFrameCodec.FromClients, gap, ChatWire.RecordName, idleUntilFirstByte: true).ConfigureAwait(false);
            if (frame.IsClosed)
            {
                return;
            }
            if (!warned)
            {
                warned = true;
                Room.Send(member, ChatLines.ObserverCannotSend);
            }
        }
    }
}
