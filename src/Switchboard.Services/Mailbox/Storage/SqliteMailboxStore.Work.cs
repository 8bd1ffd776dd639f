using System.Text;
using Microsoft.Data.Sqlite;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>What the store's worker thread runs: every SQLite statement of the store after it opened.</summary>
public sealed partial class SqliteMailboxStore
{
    private abstract class Work : SqliteWork
    {
        /// <summary>What the work does, for errors: "storing a message for 'bob'".</summary>
        public abstract string What { get; }

        /// <summary>When cancelled before the work starts, it does not run.</summary>
        public CancellationToken Cancellation { get; init; }

        public abstract void Run(SqliteMailboxStore store);
    }

    private sealed class AppendWork(string receiver, MailboxMessage message) : Work
    {
        public string Receiver { get; } = receiver;
        public MailboxMessage Message { get; } = message;
        public override string What => $"storing a message for '{Receiver}'";

        public override void Run(SqliteMailboxStore store) => store.Insert([this]);
    }

    private sealed class ClaimWork(string user, int max) : Work
    {
        public MailboxClaim Claim { get; private set; } = null!;
        public override string What => $"reading messages for '{user}'";

        public override void Run(SqliteMailboxStore store) => Claim = store.Claim(user, max);
    }

    private sealed class ByClaimWork(MailboxClaim claim, bool delete) : Work
    {
        public override string What => $"{(delete ? "deleting delivered" : "returning undelivered")} messages for '{claim.User}'";

        public override void Run(SqliteMailboxStore store)
        {
            var (command, token) = delete ? (store._sql.Delete, store._sql.DeleteClaim) : (store._sql.Release, store._sql.ReleaseClaim);
            token.Value = claim.Token;
            command.ExecuteNonQuery();
        }
    }

    private sealed class CountWork(string user) : Work
    {
        public long Count { get; private set; }
        public override string What => $"counting messages for '{user}'";

        public override void Run(SqliteMailboxStore store)
        {
            store._sql.CountUser.Value = Encoding.UTF8.GetBytes(user);
            Count = Convert.ToInt64(store._sql.Count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private sealed class QuarantinedCountWork : Work
    {
        public long Count { get; private set; }
        public override string What => "counting quarantined messages";

        public override void Run(SqliteMailboxStore store)
        {
            using var count = store._connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM quarantine;";
            Count = Convert.ToInt64(count.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    // Worker thread only.
    private readonly List<AppendWork> _appends = [];

    /// <summary>
    /// Group commit: every create queued in <paramref name="batch"/> is inserted in one transaction (at most
    /// <see cref="MaxBatch"/> rows each) before the batch's other work runs. All of it was queued before any of
    /// it completed, so no caller can tell the order apart from queue order.
    /// </summary>
    private void RunBatch(List<Work> batch)
    {
        foreach (var work in batch)
        {
            if (work is AppendWork append)
            {
                _appends.Add(append);
            }
        }
        for (var start = 0; start < _appends.Count; start += MaxBatch)
        {
            var rows = _appends.GetRange(start, Math.Min(MaxBatch, _appends.Count - start));
            Complete(rows, () => Insert(rows));
        }
        _appends.Clear();
        foreach (var work in batch)
        {
            if (work is AppendWork)
            {
                continue;
            }
            if (work.Cancellation.IsCancellationRequested)
            {
                work.TrySetCanceled(work.Cancellation);
                continue;
            }
            Complete([work], () => work.Run(this));
        }
    }

    /// <summary>Runs <paramref name="step"/>, then completes every one of <paramref name="works"/> with its outcome.</summary>
    private static void Complete<TWork>(IReadOnlyList<TWork> works, Action step)
        where TWork : Work
    {
        Exception? error = null;
        try
        {
            step();
        }
        catch (Exception e)
        {
            error = e;
        }
        foreach (var work in works)
        {
            if (error is null)
            {
                work.TrySetResult();
            }
            else
            {
                work.TrySetException(error is SqliteException s ? new MailboxStoreException($"{work.What} failed: {Describe(s)}", s) : error);
            }
        }
    }

    private void Insert(IReadOnlyList<AppendWork> rows)
    {
        _sql.Begin.ExecuteNonQuery();
        try
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            foreach (var row in rows)
            {
                _sql.InsertReceiver.Value = Encoding.UTF8.GetBytes(row.Receiver);
                _sql.InsertSender.Value = Encoding.UTF8.GetBytes(row.Message.Sender);
                _sql.InsertBody.Value = Encoding.UTF8.GetBytes(row.Message.Text);
                _sql.InsertNow.Value = now;
                _sql.Insert.ExecuteNonQuery();
            }
            _sql.Commit.ExecuteNonQuery();
        }
        catch
        {
            _sql.RollbackIfOpen();
            throw;
        }
    }

    private MailboxClaim Claim(string user, int max)
    {
        var key = Encoding.UTF8.GetBytes(user);
        var token = ++_nextClaim;
        // An empty mailbox (the common poll) is one indexed lookup, without opening a write transaction.
        _sql.AnyWaitingUser.Value = key;
        if (_sql.AnyWaiting.ExecuteScalar() is null)
        {
            return new MailboxClaim(user, token, [], [], false);
        }
        _sql.Begin.ExecuteNonQuery();
        try
        {
            var claim = ClaimInTransaction(user, key, token, max);
            _sql.Commit.ExecuteNonQuery();
            return claim;
        }
        catch
        {
            _sql.RollbackIfOpen();
            throw;
        }
    }

    private MailboxClaim ClaimInTransaction(string user, byte[] key, long token, int max)
    {
        var ids = new List<long>();
        var messages = new List<MailboxMessage>();
        var quarantined = new List<QuarantinedMessage>();
        var more = false;
        var after = 0L;
        // Rows set aside leave gaps, so keep reading until max good rows (plus one, to tell whether
        // more are waiting) are found or the mailbox is exhausted.
        while (!more)
        {
            var bad = new List<(long Id, string Reason)>();
            var rows = 0;
            _sql.SelectUser.Value = key;
            _sql.SelectAfter.Value = after;
            _sql.SelectLimit.Value = max + 1 - ids.Count;
            using (var reader = _sql.Select.ExecuteReader())
            {
                while (reader.Read())
                {
                    rows++;
                    var id = reader.GetInt64(0);
                    after = id;
                    var sender = reader.GetFieldValue<byte[]>(1);
                    var body = reader.GetFieldValue<byte[]>(2);
                    if (StoredMessageCheck.Problem(sender, body) is { } problem)
                    {
                        bad.Add((id, problem));
                        continue;
                    }
                    if (ids.Count == max)
                    {
                        more = true;
                        break;
                    }
                    ids.Add(id);
                    messages.Add(new MailboxMessage(Encoding.UTF8.GetString(sender), Encoding.UTF8.GetString(body)));
                }
            }
            foreach (var (id, reason) in bad)
            {
                quarantined.Add(new QuarantinedMessage(Quarantine(id, reason), reason));
            }
            if (rows == 0 || (bad.Count == 0 && !more))
            {
                break;
            }
        }
        if (ids.Count > 0)
        {
            _sql.ClaimToken.Value = token;
            _sql.ClaimUser.Value = key;
            _sql.ClaimFirst.Value = ids[0];
            _sql.ClaimLast.Value = ids[^1];
            _sql.Claim.ExecuteNonQuery();
        }
        return new MailboxClaim(user, token, ids, messages, more) { Quarantined = quarantined };
    }

    /// <summary>Moves one row into the <c>quarantine</c> table (kept for an administrator, never delivered); returns its quarantine id.</summary>
    private long Quarantine(long id, string reason)
    {
        // Rare (a row damaged outside this program), so a command of its own rather than a kept one.
        using var move = _connection.CreateCommand();
        move.CommandText = """
            INSERT INTO quarantine (message_id, receiver, sender, body, created_at, quarantined_at, reason)
                SELECT id, receiver, sender, body, created_at, $now, $reason FROM messages WHERE id = $id;
            DELETE FROM messages WHERE id = $id;
            SELECT last_insert_rowid();
            """;
        move.Parameters.AddWithValue("$id", id);
        move.Parameters.AddWithValue("$reason", reason);
        move.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return Convert.ToInt64(move.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The worker's last step: checkpoint the WAL into the main file and close it.</summary>
    private void CloseFile()
    {
        // Kept statements go first: a checkpoint cannot truncate the WAL under a statement that still holds a read.
        _sql.Dispose();
        try
        {
            using var checkpoint = _connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            checkpoint.ExecuteNonQuery();
        }
        catch (SqliteException)
        {
            // The data is safe in the WAL either way; the next open checkpoints it.
        }
        _connection.Dispose();
    }
}
