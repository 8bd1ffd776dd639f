using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol.Chat;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Outgoing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Chat;

/// <summary>
/// What participant and observer connections share: admission (<c>accept</c> or <c>full</c>), one outgoing queue
/// drained by its own writer loop (so the room never waits on a socket), and the endings: peer gone, ended by the
/// room, timed out, server stopping. Subclasses run the conversation.
/// </summary>
internal abstract class ChatConnectionHandler : ServiceConnectionHandler
{
    protected ChatConnectionHandler(ChatRoom room, ChatMemberKind kind, ILoggerFactory logs, SwitchboardMetrics metrics)
        : base(ChatServer.ServiceName, logs.CreateLogger(ChatServer.ServiceName), metrics)
    {
        Room = room;
        Kind = kind;
    }

    protected ChatRoom Room { get; }

    protected ChatMemberKind Kind { get; }

    protected ChatServerOptions Options => Room.Options;

    protected sealed override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
    {
        var queue = new OutgoingQueue(connection.Transport.Output, Options.Queue, Service, Metrics);
        using var member = new ChatMember(Kind, peer, queue, connection);
        try
        {
            if (!Room.TryAdmit(member))
            {
                Metrics.Reject(Service, "full");
                Logger.LogWarning("{Peer}: refused: {Kind}s at their limit ({Limit})", peer, Kind.ToString().ToLowerInvariant(),
                    Kind == ChatMemberKind.Participant ? Options.MaxParticipants : Options.MaxObservers);
                queue.TryEnqueue(ChatFrameCodec.Encode(ChatCodes.Full));
                return;
            }
            using var stopping = member.StopWith(serverStopping);
            try
            {
                await ConverseAsync(member, connection.Transport.Input, member.Ended).ConfigureAwait(false);
                Logger.LogInformation("{Who}: disconnected", member.Describe());
            }
            catch (OperationCanceledException) when (serverStopping.IsCancellationRequested)
            {
                Room.ShutDown();
            }
            catch (OperationCanceledException) when (member.Ended.IsCancellationRequested)
            {
                Metrics.Reject(Service, member.EndedAbortively ? "slow-reader" : "ended");
                Logger.LogInformation("{Who}: closed: {Reason}", member.Describe(), member.EndReason);
            }
            catch (PeerClosedException e)
            {
                Logger.LogInformation("{Who}: disconnected ({Reason})", member.Describe(), e.Message);
            }
            catch (PeerTimeoutException e)
            {
                Metrics.Reject(Service, e.Reason);
                Logger.LogWarning("{Who}: closed: {Reason}", member.Describe(), e.Message);
            }
            finally
            {
                Room.Release(member);
            }
        }
        finally
        {
            queue.Complete();
            await FlushThenDisposeAsync(queue).ConfigureAwait(false);
        }
    }

    /// <summary>Runs the connection after <c>accept</c> until the peer leaves; exceptions end it as described in <see cref="HandleAsync"/>.</summary>
    protected abstract Task ConverseAsync(ChatMember member, PipeReader input, CancellationToken stop);

    /// <summary>
    /// Reads the next frame within the choosing deadline (username or pairing), restarted for each try.
    /// Past it the peer is told <paramref name="timeoutCode"/> and a <see cref="PeerTimeoutException"/> ends the connection.
    /// Silence before the frame is bounded by that deadline alone (people type); once the frame has begun the gap
    /// rule applies too, as for every frame. Null when the peer closed between frames.
    /// </summary>
    /// <remarks>
    /// The deadline is the room's (<see cref="ChoiceDeadlines"/>: one timer for everyone choosing), and the wait for the
    /// first byte uses the member's own token alone: a connection that sits there without a name holds no timer and no
    /// linked token source; the gap timer is made only once bytes have come.
    /// </remarks>
    protected async Task<string?> ReadChoiceAsync(ChatMember member, PipeReader input, CancellationToken stop, string what, string timeoutCode)
    {
        var attempt = member.BeginChoice();
        Room.Deadlines.Start(member, attempt);
        FrameReadResult<string> result;
        try
        {
            var waiting = await input.ReadAsync(stop).ConfigureAwait(false);
            // Nothing consumed or examined: the frame reader below gets these bytes at once.
            input.AdvanceTo(waiting.Buffer.Start);
            using var gap = new GapTimer(Options.Limits.GapTimeout, stop);
            result = await input.TryReadFrameAsync(ChatFrameCodec.FromClients, gap, what, idleUntilFirstByte: true).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (member.ChoiceExpiredNow)
        {
            throw Expired(member, what, timeoutCode);
        }
        if (!member.EndChoice())
        {
            // The deadline passed while the frame was being read: too late, as before.
            throw Expired(member, what, timeoutCode);
        }
        return result.IsClosed ? null : result.Frame;
    }

    private PeerTimeoutException Expired(ChatMember member, string what, string timeoutCode)
    {
        Room.Send(member, timeoutCode);
        return new PeerTimeoutException($"no {what} accepted within {Options.UsernameTimeout.TotalSeconds:0.###} s", timeoutCode);
    }

    private async Task FlushThenDisposeAsync(OutgoingQueue queue)
    {
        // Whatever was queued last (full, a timeout code, the shutdown notice) should reach the peer, but a peer
        // that does not read must not hold the connection open: bound the wait.
        var wait = Task.Delay(Options.ShutdownTimeout, CancellationToken.None);
        if (await Task.WhenAny(queue.Completion, wait).ConfigureAwait(false) == wait)
        {
            queue.Abort();
        }
        await queue.DisposeAsync().ConfigureAwait(false);
    }
}
