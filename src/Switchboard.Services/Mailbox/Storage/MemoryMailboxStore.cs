using Switchboard.Protocol.Mailbox;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>The handout's volatile store: messages live until delivered or the process ends.</summary>
public sealed class MemoryMailboxStore : IMailboxStore
{
    private sealed class Entry(long id, MailboxMessage message)
    {
        public long Id { get; } = id;
        public MailboxMessage Message { get; } = message;
        public long ClaimToken { get; set; }
    }

    // One lock for all users: operations are a few list steps, far cheaper than the socket I/O around them.
    private readonly object _gate = new();
    private readonly Dictionary<string, List<Entry>> _byUser = new(StringComparer.Ordinal);
    private readonly List<(string Receiver, Entry Entry, string Reason)> _quarantine = [];
    private long _nextId;
    private long _nextClaim;

    public string Description => "memory";

    public ValueTask AppendAsync(string receiver, MailboxMessage message, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_byUser.TryGetValue(receiver, out var list))
            {
                _byUser[receiver] = list = [];
            }
            list.Add(new Entry(++_nextId, message));
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<MailboxClaim> ClaimAsync(string user, int max, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var token = ++_nextClaim;
            var ids = new List<long>();
            var messages = new List<MailboxMessage>();
            var more = false;
            List<QuarantinedMessage>? quarantined = null;
            if (_byUser.TryGetValue(user, out var list))
            {
                for (var i = 0; i < list.Count; i++)
                {
                    var entry = list[i];
                    if (entry.ClaimToken != 0)
                    {
                        continue;
                    }
                    if (StoredMessageCheck.Problem(entry.Message) is { } problem)
                    {
                        _quarantine.Add((user, entry, problem));
                        (quarantined ??= []).Add(new QuarantinedMessage(entry.Id, problem));
                        list.RemoveAt(i--);
                        continue;
                    }
                    if (ids.Count == max)
                    {
                        more = true;
                        break;
                    }
                    entry.ClaimToken = token;
                    ids.Add(entry.Id);
                    messages.Add(entry.Message);
                }
            }
            return ValueTask.FromResult(new MailboxClaim(user, token, ids, messages, more) { Quarantined = quarantined ?? [] });
        }
    }

    public ValueTask CommitAsync(MailboxClaim claim, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_byUser.TryGetValue(claim.User, out var list))
            {
                list.RemoveAll(e => e.ClaimToken == claim.Token);
                if (list.Count == 0)
                {
                    _byUser.Remove(claim.User);
                }
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask ReleaseAsync(MailboxClaim claim, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_byUser.TryGetValue(claim.User, out var list))
            {
                foreach (var entry in list)
                {
                    if (entry.ClaimToken == claim.Token)
                    {
                        entry.ClaimToken = 0;
                    }
                }
            }
        }
        return ValueTask.CompletedTask;
    }

    public ValueTask<long> CountAsync(string user, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return ValueTask.FromResult(_byUser.TryGetValue(user, out var list) ? (long)list.Count : 0L);
        }
    }

    /// <summary>How many unsendable messages were set aside (they stay in memory until the process ends).</summary>
    public int QuarantinedCount
    {
        get
        {
            lock (_gate)
            {
                return _quarantine.Count;
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
