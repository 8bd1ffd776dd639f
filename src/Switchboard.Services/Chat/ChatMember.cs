using Microsoft.AspNetCore.Connections;
using Switchboard.Transport.Outgoing;

namespace Switchboard.Services.Chat;

/// <summary>A participant or an observer.</summary>
public enum ChatMemberKind
{
    Participant,
    Observer,
}

/// <summary>
/// One chat connection as the room sees it: its outgoing queue, and once admitted its name (participant) or
/// partner (observer). Fields that describe room membership change only under the room's lock.
/// </summary>
internal sealed class ChatMember : IDisposable
{
    private const int ChoiceDone = 0;
    private const int ChoiceExpired = -1;

    private readonly CancellationTokenSource _end = new();
    private readonly ConnectionContext? _connection;
    private int _ending;

    // The choosing attempt under way (1, 2, ...), or ChoiceDone / ChoiceExpired once it is over.
    private int _choice;
    private int _attempts;

    public ChatMember(ChatMemberKind kind, string peer, OutgoingQueue queue, ConnectionContext? connection)
    {
        Kind = kind;
        Peer = peer;
        Queue = queue;
        _connection = connection;
    }

    public ChatMemberKind Kind { get; }

    public string Peer { get; }

    public OutgoingQueue Queue { get; }

    /// <summary>The accepted username (participants, once active).</summary>
    public string? Name { get; set; }

    /// <summary>The code an observer must present (participants, once active).</summary>
    public string? PairingCode { get; set; }

    /// <summary>A participant's paired observer, or an observer's participant.</summary>
    public ChatMember? Partner { get; set; }

    /// <summary>In the room's broadcast audience (active participant or paired observer).</summary>
    public bool InAudience { get; set; }

    /// <summary>
    /// Fires when the room ends this connection (slow reader, partner gone) or the server stops (see
    /// <see cref="StopWith"/>); the read loop then stops.
    /// </summary>
    public CancellationToken Ended => _end.Token;

    /// <summary>Why the room ended this connection; null while it has not.</summary>
    public string? EndReason { get; private set; }

    /// <summary>True when the end was abortive (queued frames dropped).</summary>
    public bool EndedAbortively { get; private set; }

    /// <summary>Who this is, for logs.</summary>
    public string Describe() => Name is null ? Peer : $"{Name} ({Peer})";

    /// <summary>
    /// Ends the connection. Abortive drops what is queued (a slow reader); graceful lets the queue flush first
    /// (an observer whose participant left). Runs on the thread pool because the room calls it under its lock and
    /// cancellation callbacks may run the connection's own clean-up, which takes that lock.
    /// </summary>
    public void End(string reason, bool abortive)
    {
        if (Interlocked.Exchange(ref _ending, 1) != 0)
        {
            return;
        }
        EndReason = reason;
        EndedAbortively = abortive;
        ThreadPool.UnsafeQueueUserWorkItem(
            static state =>
            {
                var (member, abort) = state;
                if (abort)
                {
                    member.Queue.Abort();
                    member._connection?.Abort(new ConnectionAbortedException(member.EndReason ?? "disconnected"));
                }
                else
                {
                    member.Queue.Complete();
                }
                member.CancelEnd();
            },
            (this, abortive),
            preferLocal: false);
    }

    /// <summary>
    /// Makes <see cref="Ended"/> fire when <paramref name="serverStopping"/> does too: one registration rather than a
    /// linked token source per connection.
    /// </summary>
    public CancellationTokenRegistration StopWith(CancellationToken serverStopping) =>
        serverStopping.UnsafeRegister(static m => ((ChatMember)m!).CancelEnd(), this);

    /// <summary>Starts a choosing attempt (username or pairing request); returns its number for <see cref="ExpireChoice"/>.</summary>
    public int BeginChoice()
    {
        var attempt = ++_attempts;
        Volatile.Write(ref _choice, attempt);
        return attempt;
    }

    /// <summary>
    /// Ends the choosing attempt; false when its deadline won the race (<see cref="ExpireChoice"/> ran first), in which case
    /// the connection has timed out even if a frame was read.
    /// </summary>
    public bool EndChoice() => Interlocked.Exchange(ref _choice, ChoiceDone) != ChoiceExpired;

    /// <summary>True once a choosing deadline expired; <see cref="Ended"/> then fires too.</summary>
    public bool ChoiceExpiredNow => Volatile.Read(ref _choice) == ChoiceExpired;

    /// <summary>
    /// The deadline of choosing attempt <paramref name="attempt"/> has passed: if that attempt is still under way, it
    /// has timed out and the read stops (through <see cref="Ended"/>; the connection ends anyway).
    /// </summary>
    public void ExpireChoice(int attempt)
    {
        if (attempt > 0 && Interlocked.CompareExchange(ref _choice, ChoiceExpired, attempt) == attempt)
        {
            CancelEnd();
        }
    }

    public void Dispose() => _end.Dispose();

    private void CancelEnd()
    {
        try
        {
            _end.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The connection finished on its own meanwhile.
        }
    }
}
