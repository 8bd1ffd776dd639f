using System.Text;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Switchboard.Protocol.Mailbox;
using Switchboard.Transport.Sockets;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>
/// Durable store in one SQLite file (WAL). A message is in the file before the create request's
/// connection is closed, so it survives a restart or <c>kill -9</c>; a message is deleted only by
/// <see cref="CommitAsync"/>, after the response carrying it was written.
/// Creates are group-committed: one writer loop inserts everything queued in one transaction, and each
/// <see cref="AppendAsync"/> completes only when its row is committed.
/// Names and text are stored as their exact UTF-8 bytes (BLOB): SQLite text handed over as a .NET
/// string longer than 512 characters is bound NUL-terminated by SQLitePCLRaw, which cut a message at
/// its first U+0000 (schema version 1 lost text that way; version 2 stores bytes).
/// </summary>
public sealed class SqliteMailboxStore : IMailboxStore
{
    private const int SchemaVersion = 2;

    /// <summary>
    /// How long a statement waits for a lock held by another process (another program holding the file)
    /// before it fails; a create then fails with a reset instead of hanging its client.
    /// </summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Most rows per group commit, so one transaction never holds the database for long.</summary>
    private const int MaxBatch = 512;

    private sealed record PendingAppend(string Receiver, MailboxMessage Message, TaskCompletionSource Stored);

    // Unbounded in type, bounded in practice: each connection waits for its own append, so the queue
    // never holds more than the number of open connections.
    private readonly Channel<PendingAppend> _appends = Channel.CreateUnbounded<PendingAppend>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _writer;

    // One connection behind an async gate: SQLite has a single writer anyway, and serialising here
    // avoids SQLITE_BUSY retries between our own connections.
    private readonly SqliteConnection _connection;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private long _nextClaim;

    private SqliteMailboxStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        Path = path;
        _writer = Task.Run(WriteAppendsAsync);
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    public string Description => $"sqlite:{Path}";

    /// <summary>Opens (creating if needed) the store at <paramref name="path"/>.</summary>
    /// <exception cref="MailboxStoreException">The file cannot be opened or is not a mailbox database.</exception>
    public static async Task<SqliteMailboxStore> OpenAsync(string path, CancellationToken cancellationToken = default)
    {
        var full = System.IO.Path.GetFullPath(path);
        var directory = System.IO.Path.GetDirectoryName(full);
        if (directory is not null && !Directory.Exists(directory))
        {
            throw new MailboxStoreException($"cannot open mailbox store '{path}': folder '{directory}' does not exist");
        }
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = full,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
            // Microsoft.Data.Sqlite retries a busy statement until this many seconds have passed (30 by
            // default, on top of busy_timeout): 1 means "once busy_timeout has been waited out, give up".
            DefaultTimeout = 1,
        }.ToString());
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(connection, $"""
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds};
                """, cancellationToken).ConfigureAwait(false);
            await MigrateAsync(connection, path, cancellationToken).ConfigureAwait(false);
            // Claims belong to connections of a previous process; after a crash they would hide messages forever.
            await ExecuteAsync(connection, "UPDATE messages SET claim = NULL WHERE claim IS NOT NULL;", cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw new MailboxStoreException($"cannot open mailbox store '{path}': {e.Message}", e);
        }
        return new SqliteMailboxStore(connection, full);
    }

    private static async Task MigrateAsync(SqliteConnection connection, string path, CancellationToken cancellationToken)
    {
        var current = await UserVersionAsync(connection, cancellationToken).ConfigureAwait(false);
        if (current == SchemaVersion)
        {
            return;
        }
        if (current is < 0 or > SchemaVersion)
        {
            throw new MailboxStoreException($"cannot open mailbox store '{path}': schema version {current} is newer than this Switchboard's {SchemaVersion}");
        }
        if (current == 0)
        {
            await using var tables = connection.CreateCommand();
            tables.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table';";
            var count = Convert.ToInt64(await tables.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            if (count != 0)
            {
                throw new MailboxStoreException($"cannot open mailbox store '{path}': the file is a database of something else (it has tables but no mailbox schema)");
            }
        }
        // Version 1 kept TEXT columns; CAST(... AS BLOB) gives their UTF-8 bytes as they are in the file.
        // Rows it had already truncated stay truncated: the first read quarantines them.
        var copyVersion1 = current == 1
            ? """
              INSERT INTO messages_v2 (id, receiver, sender, body, created_at, claim)
                  SELECT id, CAST(receiver AS BLOB), CAST(sender AS BLOB), CAST(body AS BLOB), created_at, NULL FROM messages;
              DROP TABLE messages;
              """
            : string.Empty;
        await ExecuteAsync(connection, $"""
            BEGIN IMMEDIATE;
            CREATE TABLE messages_v2 (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                receiver BLOB NOT NULL,
                sender BLOB NOT NULL,
                body BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                claim INTEGER NULL
            );
            {copyVersion1}
            ALTER TABLE messages_v2 RENAME TO messages;
            CREATE INDEX messages_by_receiver ON messages (receiver, id);
            CREATE TABLE quarantine (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                message_id INTEGER NOT NULL,
                receiver BLOB NOT NULL,
                sender BLOB NOT NULL,
                body BLOB NOT NULL,
                created_at INTEGER NOT NULL,
                quarantined_at INTEGER NOT NULL,
                reason TEXT NOT NULL
            );
            PRAGMA user_version = {SchemaVersion};
            COMMIT;
            """, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<int> UserVersionAsync(SqliteConnection connection, CancellationToken cancellationToken)
    {
        await using var version = connection.CreateCommand();
        version.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(await version.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async ValueTask AppendAsync(string receiver, MailboxMessage message, CancellationToken cancellationToken)
    {
        var pending = new PendingAppend(receiver, message, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_appends.Writer.TryWrite(pending))
        {
            throw new MailboxStoreException($"storing a message for '{receiver}' failed: the store is closed");
        }
        await pending.Stored.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WriteAppendsAsync()
    {
        var batch = new List<PendingAppend>(MaxBatch);
        while (await _appends.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            while (batch.Count < MaxBatch && _appends.Reader.TryRead(out var next))
            {
                batch.Add(next);
            }
            await _gate.WaitAsync().ConfigureAwait(false);
            try
            {
                await InsertAsync(batch).ConfigureAwait(false);
                batch.ForEach(p => p.Stored.TrySetResult());
            }
            catch (SqliteException e)
            {
                batch.ForEach(p => p.Stored.TrySetException(new MailboxStoreException($"storing a message for '{p.Receiver}' failed: {Describe(e)}", e)));
            }
            finally
            {
                _gate.Release();
                batch.Clear();
            }
        }
    }

    private async Task InsertAsync(List<PendingAppend> batch)
    {
        await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync().ConfigureAwait(false);
        await using var insert = _connection.CreateCommand();
        insert.Transaction = transaction;
        insert.CommandText = "INSERT INTO messages (receiver, sender, body, created_at) VALUES ($receiver, $sender, $body, $now);";
        var receiver = insert.Parameters.Add("$receiver", SqliteType.Blob);
        var sender = insert.Parameters.Add("$sender", SqliteType.Blob);
        var body = insert.Parameters.Add("$body", SqliteType.Blob);
        var now = insert.Parameters.Add("$now", SqliteType.Integer);
        foreach (var pending in batch)
        {
            receiver.Value = Encoding.UTF8.GetBytes(pending.Receiver);
            sender.Value = Encoding.UTF8.GetBytes(pending.Message.Sender);
            body.Value = Encoding.UTF8.GetBytes(pending.Message.Text);
            now.Value = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
        }
        await transaction.CommitAsync().ConfigureAwait(false);
    }

    public async ValueTask<MailboxClaim> ClaimAsync(string user, int max, CancellationToken cancellationToken)
    {
        var key = Encoding.UTF8.GetBytes(user);
        // SQLite blocks (locks, fsync): never on a socket thread, where inline completions may have brought us.
        await ThreadPoolHop.Leave();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var token = ++_nextClaim;
            await using var transaction = (SqliteTransaction)await _connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
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
                await using (var select = _connection.CreateCommand())
                {
                    select.Transaction = transaction;
                    select.CommandText = "SELECT id, sender, body FROM messages WHERE receiver = $user AND claim IS NULL AND id > $after ORDER BY id LIMIT $limit;";
                    select.Parameters.Add("$user", SqliteType.Blob).Value = key;
                    select.Parameters.AddWithValue("$after", after);
                    select.Parameters.AddWithValue("$limit", max + 1 - ids.Count);
                    await using var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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
                    quarantined.Add(new QuarantinedMessage(await QuarantineAsync(transaction, id, reason, cancellationToken).ConfigureAwait(false), reason));
                }
                if (rows == 0 || (bad.Count == 0 && !more))
                {
                    break;
                }
            }
            if (ids.Count > 0)
            {
                await using var update = _connection.CreateCommand();
                update.Transaction = transaction;
                update.CommandText = "UPDATE messages SET claim = $claim WHERE receiver = $user AND claim IS NULL AND id BETWEEN $first AND $last;";
                update.Parameters.AddWithValue("$claim", token);
                update.Parameters.Add("$user", SqliteType.Blob).Value = key;
                update.Parameters.AddWithValue("$first", ids[0]);
                update.Parameters.AddWithValue("$last", ids[^1]);
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return new MailboxClaim(user, token, ids, messages, more) { Quarantined = quarantined };
        }
        catch (SqliteException e)
        {
            throw new MailboxStoreException($"reading messages for '{user}' failed: {Describe(e)}", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Moves one row into the <c>quarantine</c> table (kept for an administrator, never delivered); returns its quarantine id.</summary>
    private async Task<long> QuarantineAsync(SqliteTransaction transaction, long id, string reason, CancellationToken cancellationToken)
    {
        await using var move = _connection.CreateCommand();
        move.Transaction = transaction;
        move.CommandText = """
            INSERT INTO quarantine (message_id, receiver, sender, body, created_at, quarantined_at, reason)
                SELECT id, receiver, sender, body, created_at, $now, $reason FROM messages WHERE id = $id;
            DELETE FROM messages WHERE id = $id;
            SELECT last_insert_rowid();
            """;
        move.Parameters.AddWithValue("$id", id);
        move.Parameters.AddWithValue("$reason", reason);
        move.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return Convert.ToInt64(await move.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>How many unsendable messages have been set aside in the <c>quarantine</c> table.</summary>
    public async ValueTask<long> QuarantinedCountAsync(CancellationToken cancellationToken)
    {
        // SQLite blocks (locks, fsync): never on a socket thread, where inline completions may have brought us.
        await ThreadPoolHop.Leave();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var count = _connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM quarantine;";
            return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>SQLite's wording for a lock held elsewhere is "database is locked"; say whose and how long we waited.</summary>
    private static string Describe(SqliteException e) => e.SqliteErrorCode is 5 or 6
        ? $"the database is locked by another connection or process (gave up after waiting {BusyTimeout.TotalSeconds:0} s)"
        : e.Message;

    public ValueTask CommitAsync(MailboxClaim claim, CancellationToken cancellationToken) =>
        ByClaimAsync("DELETE FROM messages WHERE claim = $claim;", claim, "deleting delivered messages", cancellationToken);

    public ValueTask ReleaseAsync(MailboxClaim claim, CancellationToken cancellationToken) =>
        ByClaimAsync("UPDATE messages SET claim = NULL WHERE claim = $claim;", claim, "returning undelivered messages", cancellationToken);

    private async ValueTask ByClaimAsync(string sql, MailboxClaim claim, string what, CancellationToken cancellationToken)
    {
        if (claim.Ids.Count == 0)
        {
            return;
        }
        // SQLite blocks (locks, fsync): never on a socket thread, where inline completions may have brought us.
        await ThreadPoolHop.Leave();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var command = _connection.CreateCommand();
            command.CommandText = sql;
            command.Parameters.AddWithValue("$claim", claim.Token);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (SqliteException e)
        {
            throw new MailboxStoreException($"{what} for '{claim.User}' failed: {Describe(e)}", e);
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask<long> CountAsync(string user, CancellationToken cancellationToken)
    {
        // SQLite blocks (locks, fsync): never on a socket thread, where inline completions may have brought us.
        await ThreadPoolHop.Leave();
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await using var count = _connection.CreateCommand();
            count.CommandText = "SELECT count(*) FROM messages WHERE receiver = $user;";
            count.Parameters.Add("$user", SqliteType.Blob).Value = Encoding.UTF8.GetBytes(user);
            return Convert.ToInt64(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checkpoints the WAL into the main file and closes it, so the folder holds one tidy file.</summary>
    public async ValueTask DisposeAsync()
    {
        // Appends already queued are committed before the file is closed.
        _appends.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
        // SQLite blocks (locks, fsync): never on a socket thread, where inline completions may have brought us.
        await ThreadPoolHop.Leave();
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            try
            {
                await ExecuteAsync(_connection, "PRAGMA wal_checkpoint(TRUNCATE);", CancellationToken.None).ConfigureAwait(false);
            }
            catch (SqliteException)
            {
                // The data is safe in the WAL either way; the next open checkpoints it.
            }
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
            _gate.Dispose();
        }
    }
}
