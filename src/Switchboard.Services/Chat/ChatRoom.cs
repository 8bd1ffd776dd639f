using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol.Chat;
using Switchboard.Transport.Outgoing;

namespace Switchboard.Services.Chat;

/// <summary>Answer to a username try.</summary>
public enum UsernameOutcome
{
    Accepted,
    InUse,
    Invalid,
}

/// <summary>Answer to an observer's pairing request.</summary>
public enum PairingOutcome
{
    Accepted,

    /// <summary>No active participant has that name, or the code is wrong, or the request is malformed.</summary>
    Invalid,

    /// <summary>The participant already has an observer.</summary>
    InUse,
}

/// <summary>
/// The chat room: who is connected, who is active, who observes whom, and every delivery. All changes and all
/// deliveries happen under one lock, so every client sees events in the same order (a join before the joiner's
/// first message). Nothing under the lock waits: a delivery is <see cref="OutgoingQueue.TryEnqueue"/> of an
/// already-encoded frame, and a client whose queue is full is ended (off the lock) as a slow reader.
/// </summary>
public sealed class ChatRoom : IDisposable
{
    private readonly Lock _gate = new();
    private readonly ChatServerOptions _options;
    private readonly ChatMetrics _metrics;
    private readonly ILogger _log;
    private readonly HashSet<ChatMember> _connected = [];
    private readonly Dictionary<string, ChatMember> _active = new(Username.Comparer);

    // Active participants in join order, then paired observers: the audience of every broadcast.
    private readonly List<ChatMember> _audience = [];
    private readonly List<string> _joinOrder = [];

    // Writers woken by participants' messages, started once the sender's read is used up (StartDueWriters): a burst
    // of messages then reaches each receiver in one send.
    private readonly DueWriters _due = new();

    // Made once: a method group would allocate a delegate on every broadcast.
    private readonly Action<ChatMember> _slowReader;
    private int _participantsConnected;
    private int _observersConnected;
    private int _observersPaired;
    private bool _shuttingDown;

    public ChatRoom(ChatServerOptions options, ChatMetrics metrics, ILoggerFactory logs)
    {
        ArgumentNullException.ThrowIfNull(logs);
        _options = options.Validated();
        _metrics = metrics;
        _log = logs.CreateLogger(ChatServer.ServiceName);
        Deadlines = new ChoiceDeadlines(_options.UsernameTimeout);
        _slowReader = SlowReader;
    }

    /// <summary>Active participants now.</summary>
    public int ActiveParticipants
    {
        get
        {
            lock (_gate)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>Paired observers now.</summary>
    public int PairedObservers
    {
        get
        {
            lock (_gate)
            {
                return _observersPaired;
            }
        }
    }

    internal ChatServerOptions Options => _options;

    /// <summary>The choosing deadlines (username, pairing) of every connection in the room.</summary>
    internal ChoiceDeadlines Deadlines { get; }

    /// <summary>Counts a new connection in, or refuses it when its kind is at its limit (or the server is stopping).</summary>
    internal bool TryAdmit(ChatMember member)
    {
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return false;
            }
            if (member.Kind == ChatMemberKind.Participant)
            {
                if (_participantsConnected >= _options.MaxParticipants)
                {
                    return false;
                }
                _participantsConnected++;
            }
            else
            {
                if (_observersConnected >= _options.MaxObservers)
                {
                    return false;
                }
                _observersConnected++;
            }
            _connected.Add(member);
            Send(member, ChatCodes.Accept);
            return true;
        }
    }

    /// <summary>A participant proposes a name: accepted (it is now active, everyone hears it joined), in use, or invalid.</summary>
    internal UsernameOutcome TryClaim(ChatMember member, string name)
    {
        if (!Username.IsValid(name))
        {
            Send(member, ChatCodes.UsernameInvalid);
            return UsernameOutcome.Invalid;
        }
        lock (_gate)
        {
            if (!_active.TryAdd(name, member))
            {
                Send(member, ChatCodes.UsernameInUse);
                return UsernameOutcome.InUse;
            }
            member.Name = name;
            member.PairingCode = PairingCode.New();
            member.InAudience = true;
            _audience.Add(member);
            _joinOrder.Add(name);
            Send(member, ChatCodes.UsernameAccepted);
            Send(member, ChatCodes.PairingCodeFrame(member.PairingCode));
            BroadcastLocked(ChatLines.Joined(name));
            PublishPopulation();
        }
        _log.LogInformation("{Peer}: {Name} joined", member.Peer, name);
        return UsernameOutcome.Accepted;
    }

    /// <summary>An observer presents a participant's name and pairing code.</summary>
    internal PairingOutcome TryPair(ChatMember observer, string frame)
    {
        lock (_gate)
        {
            if (!PairingRequest.TryParse(frame, out var request)
                || !_active.TryGetValue(request.Name, out var participant)
                || !PairingCode.Matches(participant.PairingCode!, request.Code))
            {
                Send(observer, ChatCodes.ObserverInvalid);
                return PairingOutcome.Invalid;
            }
            if (participant.Partner is not null)
            {
                Send(observer, ChatCodes.ObserverInUse);
                return PairingOutcome.InUse;
            }
            participant.Partner = observer;
            observer.Partner = participant;
            observer.Name = participant.Name;
            observer.InAudience = true;
            _audience.Add(observer);
            _observersPaired++;
            Send(observer, ChatCodes.ObserverAccepted);
            BroadcastLocked(ChatLines.ObserverJoined);
            PublishPopulation();
        }
        _log.LogInformation("{Peer}: observer paired with {Name}", observer.Peer, observer.Name);
        return PairingOutcome.Accepted;
    }

    /// <summary>
    /// A public message: to every active participant and paired observer. Like <see cref="Private"/> and
    /// <see cref="Reply"/>, the receivers' writers wait for <see cref="StartDueWriters"/>.
    /// </summary>
    internal void Public(ChatMember sender, string text)
    {
        var frame = ChatFrameCodec.Encode(ChatLines.Public(sender.Name!, text));
        lock (_gate)
        {
            BroadcastLocked(frame, _due);
        }
        _metrics.MessageIn("public");
    }

    /// <summary>A private message: to the recipient, the sender, and their observers only.</summary>
    internal void Private(ChatMember sender, string recipientName, string text)
    {
        lock (_gate)
        {
            if (!_active.TryGetValue(recipientName, out var recipient))
            {
                ReplyLocked(sender, ChatFrameCodec.Encode(ChatLines.UnknownRecipient(recipientName)), _due);
                _metrics.Dropped("unknown-recipient");
                return;
            }
            var frame = ChatFrameCodec.Encode(ChatLines.Private(sender.Name!, text));
            ReplyLocked(recipient, frame, _due);
            if (!ReferenceEquals(recipient, sender))
            {
                ReplyLocked(sender, frame, _due);
            }
        }
        _metrics.MessageIn("private");
    }

    /// <summary>A line for one participant alone (and its observer, which shows what that participant sees).</summary>
    internal void Reply(ChatMember participant, string line)
    {
        var frame = ChatFrameCodec.Encode(line);
        lock (_gate)
        {
            ReplyLocked(participant, frame, _due);
        }
    }

    /// <summary>
    /// Starts the writers that <see cref="Public"/>, <see cref="Private"/> and <see cref="Reply"/> left waiting. A
    /// participant's read loop calls it before it waits for more input and when it ends, so nothing waits longer than
    /// the rest of the read that brought it.
    /// </summary>
    internal void StartDueWriters() => _due.Start();

    /// <summary>The <c>/who</c> answer: active participants in the order they joined.</summary>
    internal string Who()
    {
        lock (_gate)
        {
            return ChatLines.Participants(_joinOrder);
        }
    }

    /// <summary>A control code or line for one connection only (codes during negotiation; observer warnings).</summary>
    internal void Send(ChatMember member, string text) => Enqueue(member, ChatFrameCodec.Encode(text));

    /// <summary>
    /// A connection has gone. An active participant's leaving is announced to everyone, and its observer is
    /// ended once that line (its last) has been flushed.
    /// </summary>
    internal void Release(ChatMember member)
    {
        string? left = null;
        lock (_gate)
        {
            if (!_connected.Remove(member))
            {
                return;
            }
            if (member.Kind == ChatMemberKind.Participant)
            {
                _participantsConnected--;
            }
            else
            {
                _observersConnected--;
            }
            if (member.InAudience)
            {
                member.InAudience = false;
                _audience.Remove(member);
            }
            if (member.Kind == ChatMemberKind.Participant && member.Name is { } name && _active.Remove(name))
            {
                _joinOrder.Remove(name);
                left = name;
                if (!_shuttingDown)
                {
                    BroadcastLocked(ChatLines.Left(name));
                }
                if (member.Partner is { } observer)
                {
                    // The observer has just been sent the leaving line; it is its last.
                    member.Partner = null;
                    observer.Partner = null;
                    observer.InAudience = false;
                    _audience.Remove(observer);
                    _observersPaired--;
                    observer.End($"its participant {name} left", abortive: false);
                }
            }
            else if (member.Kind == ChatMemberKind.Observer && member.Partner is { } participant)
            {
                participant.Partner = null;
                member.Partner = null;
                _observersPaired--;
            }
            PublishPopulation();
        }
        if (left is not null)
        {
            _log.LogInformation("{Peer}: {Name} left", member.Peer, left);
        }
    }

    /// <summary>Tells every connection the server is going away; each closes once that notice is flushed.</summary>
    internal void ShutDown()
    {
        lock (_gate)
        {
            if (_shuttingDown)
            {
                return;
            }
            _shuttingDown = true;
            var frame = ChatFrameCodec.Encode(ChatCodes.ServerShutdown);
            foreach (var member in _connected)
            {
                Enqueue(member, frame);
                member.Queue.Complete();
            }
        }
        _log.LogInformation("told every chat client the server is shutting down");
    }

    private void BroadcastLocked(string line) => BroadcastLocked(ChatFrameCodec.Encode(line), null);

    private void BroadcastLocked(byte[] frame, DueWriters? due)
    {
        var queued = Broadcast.Send(frame, (ReadOnlySpan<ChatMember>)CollectionsMarshal.AsSpan(_audience), QueueOf, _slowReader, due);
        _metrics.Delivered(queued);
    }

    private static OutgoingQueue QueueOf(ChatMember member) => member.Queue;

    private void ReplyLocked(ChatMember participant, byte[] frame, DueWriters? due)
    {
        Enqueue(participant, frame, due);
        if (participant.Partner is { } observer)
        {
            Enqueue(observer, frame, due);
        }
    }

    private void Enqueue(ChatMember member, byte[] frame, DueWriters? due = null)
    {
        switch (member.Queue.TryEnqueue(frame, due))
        {
            case EnqueueResult.Queued:
                _metrics.Delivered(1);
                break;
            case EnqueueResult.Full:
                SlowReader(member);
                break;
        }
    }

    private void SlowReader(ChatMember member)
    {
        _metrics.Dropped("slow-reader");
        _log.LogWarning("{Who}: disconnected: slow reader (more than {Bytes} bytes waiting to be sent)", member.Describe(), _options.Queue.MaxQueuedBytes);
        member.End($"slow reader: more than {_options.Queue.MaxQueuedBytes} bytes waiting to be sent", abortive: true);
    }

    public void Dispose() => Deadlines.Dispose();

    private void PublishPopulation() => _metrics.SetPopulation(_active.Count, _observersPaired);
}
