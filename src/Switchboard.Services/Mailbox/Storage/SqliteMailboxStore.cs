using Microsoft.Data.Sqlite;
using Switchboard.Protocol.Mailbox;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>
/// Durable store in one SQLite file (WAL). A message is in the file before the create request's
/// connection is closed, so it survives a restart or <c>kill -9</c>; a message is deleted only by
/// <see cref="CommitAsync"/>, after the response carrying it was written.
/// All SQLite work runs on one thread of the store's own (<see cref="SqliteWorker{TWork}"/>). Creates are
/// group-committed: every create queued while the thread was busy goes into its next transaction, and each
/// <see cref="AppendAsync"/> completes only when its row is committed.
/// Names and text are stored as their exact UTF-8 bytes (BLOB): SQLite text handed over as a .NET
/// string longer than 512 characters is bound NUL-terminated by SQLitePCLRaw, which cut a message at
/// its first U+0000 (schema version 1 lost text that way; version 2 stores bytes).
/// </summary>
public sealed partial class SqliteMailboxStore : IMailboxStore
{
    private const int SchemaVersion = 2;

    /// <summary>
    /// How long a statement waits for a lock held by another process (another program holding the file)
    /// before it fails; a create then fails with a reset instead of hanging its client.
    /// </summary>
    public static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(3);

    /// <summary>Most rows per group commit, so one transaction never holds the database for long.</summary>
    private const int MaxBatch = 512;

    // The connection and its kept statements belong to the worker thread: every use of them runs there, so
    // they need no lock, and SQLite's blocking never reaches a socket thread.
    private readonly SqliteConnection _connection;
    private readonly SqliteStatements _sql;
    private readonly SqliteWorker<Work> _worker;
    private long _nextClaim;

    private SqliteMailboxStore(SqliteConnection connection, string path)
    {
        _connection = connection;
        _sql = new SqliteStatements(connection);
        Path = path;
        _worker = new SqliteWorker<Work>("mailbox sqlite", RunBatch, CloseFile);
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

    public ValueTask AppendAsync(string receiver, MailboxMessage message, CancellationToken cancellationToken) =>
        PostAsync(new AppendWork(receiver, message), cancellationToken);

    public async ValueTask<MailboxClaim> ClaimAsync(string user, int max, CancellationToken cancellationToken)
    {
        // Cancelling skips a claim that has not started; one that ran is awaited to the end, or its messages
        // would stay claimed by nobody until the next restart.
        var work = new ClaimWork(user, max) { Cancellation = cancellationToken };
        await PostAsync(work, CancellationToken.None).ConfigureAwait(false);
        return work.Claim;
    }

    public ValueTask CommitAsync(MailboxClaim claim, CancellationToken cancellationToken) =>
        claim.Ids.Count == 0 ? ValueTask.CompletedTask : PostAsync(new ByClaimWork(claim, delete: true), cancellationToken);

    public ValueTask ReleaseAsync(MailboxClaim claim, CancellationToken cancellationToken) =>
        claim.Ids.Count == 0 ? ValueTask.CompletedTask : PostAsync(new ByClaimWork(claim, delete: false), cancellationToken);

    public async ValueTask<long> CountAsync(string user, CancellationToken cancellationToken)
    {
        var work = new CountWork(user);
        await PostAsync(work, cancellationToken).ConfigureAwait(false);
        return work.Count;
    }

    /// <summary>How many unsendable messages have been set aside in the <c>quarantine</c> table.</summary>
    public async ValueTask<long> QuarantinedCountAsync(CancellationToken cancellationToken)
    {
        var work = new QuarantinedCountWork();
        await PostAsync(work, cancellationToken).ConfigureAwait(false);
        return work.Count;
    }

    /// <summary>Queues <paramref name="work"/> for the worker thread; cancelling stops the wait, not the work.</summary>
    private ValueTask PostAsync(Work work, CancellationToken cancellationToken)
    {
        if (!_worker.TryPost(work))
        {
            return ValueTask.FromException(new MailboxStoreException($"{work.What} failed: the store is closed"));
        }
        return new ValueTask(cancellationToken.CanBeCanceled ? work.Task.WaitAsync(cancellationToken) : work.Task);
    }

    /// <summary>SQLite's wording for a lock held elsewhere is "database is locked"; say whose and how long we waited.</summary>
    private static string Describe(SqliteException e) => e.SqliteErrorCode is 5 or 6
        ? $"the database is locked by another connection or process (gave up after waiting {BusyTimeout.TotalSeconds:0} s)"
        : e.Message;

    private static async Task ExecuteAsync(SqliteConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Checkpoints the WAL into the main file and closes it, so the folder holds one tidy file.</summary>
    /// <remarks>Work already queued (appends included) runs before the file is closed; later work is refused.</remarks>
    public async ValueTask DisposeAsync() => await _worker.CloseAsync().ConfigureAwait(false);
}
