using Microsoft.Data.Sqlite;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>
/// The store's per-request statements, each one command kept for the connection's life: SQLite then parses
/// and plans each statement once, where a command built per request re-parsed "BEGIN", the SELECT and the
/// INSERT every time (the parser was the largest SQLite cost in the profile of an empty read).
/// Used only under the store's gate, like the connection itself.
/// </summary>
internal sealed class SqliteStatements : IDisposable
{
    private readonly SqliteConnection _connection;
    private readonly List<SqliteCommand> _all = [];

    public SqliteStatements(SqliteConnection connection)
    {
        _connection = connection;
        // IMMEDIATE, as Microsoft.Data.Sqlite's BeginTransaction did: the write lock is taken up front, so a
        // claim's SELECT and UPDATE never meet a concurrent writer half-way.
        Begin = Command("BEGIN IMMEDIATE;");
        Commit = Command("COMMIT;");
        Rollback = Command("ROLLBACK;");
        Insert = Command("INSERT INTO messages (receiver, sender, body, created_at) VALUES ($receiver, $sender, $body, $now);");
        InsertReceiver = Insert.Parameters.Add("$receiver", SqliteType.Blob);
        InsertSender = Insert.Parameters.Add("$sender", SqliteType.Blob);
        InsertBody = Insert.Parameters.Add("$body", SqliteType.Blob);
        InsertNow = Insert.Parameters.Add("$now", SqliteType.Integer);
        AnyWaiting = Command("SELECT 1 FROM messages WHERE receiver = $user AND claim IS NULL LIMIT 1;");
        AnyWaitingUser = AnyWaiting.Parameters.Add("$user", SqliteType.Blob);
        Select = Command("SELECT id, sender, body FROM messages WHERE receiver = $user AND claim IS NULL AND id > $after ORDER BY id LIMIT $limit;");
        SelectUser = Select.Parameters.Add("$user", SqliteType.Blob);
        SelectAfter = Select.Parameters.Add("$after", SqliteType.Integer);
        SelectLimit = Select.Parameters.Add("$limit", SqliteType.Integer);
        Claim = Command("UPDATE messages SET claim = $claim WHERE receiver = $user AND claim IS NULL AND id BETWEEN $first AND $last;");
        ClaimToken = Claim.Parameters.Add("$claim", SqliteType.Integer);
        ClaimUser = Claim.Parameters.Add("$user", SqliteType.Blob);
        ClaimFirst = Claim.Parameters.Add("$first", SqliteType.Integer);
        ClaimLast = Claim.Parameters.Add("$last", SqliteType.Integer);
        Delete = Command("DELETE FROM messages WHERE claim = $claim;");
        DeleteClaim = Delete.Parameters.Add("$claim", SqliteType.Integer);
        Release = Command("UPDATE messages SET claim = NULL WHERE claim = $claim;");
        ReleaseClaim = Release.Parameters.Add("$claim", SqliteType.Integer);
        Count = Command("SELECT count(*) FROM messages WHERE receiver = $user;");
        CountUser = Count.Parameters.Add("$user", SqliteType.Blob);
    }

    public SqliteCommand Begin { get; }
    public SqliteCommand Commit { get; }
    public SqliteCommand Rollback { get; }

    public SqliteCommand Insert { get; }
    public SqliteParameter InsertReceiver { get; }
    public SqliteParameter InsertSender { get; }
    public SqliteParameter InsertBody { get; }
    public SqliteParameter InsertNow { get; }

    public SqliteCommand AnyWaiting { get; }
    public SqliteParameter AnyWaitingUser { get; }

    public SqliteCommand Select { get; }
    public SqliteParameter SelectUser { get; }
    public SqliteParameter SelectAfter { get; }
    public SqliteParameter SelectLimit { get; }

    public SqliteCommand Claim { get; }
    public SqliteParameter ClaimToken { get; }
    public SqliteParameter ClaimUser { get; }
    public SqliteParameter ClaimFirst { get; }
    public SqliteParameter ClaimLast { get; }

    public SqliteCommand Delete { get; }
    public SqliteParameter DeleteClaim { get; }
    public SqliteCommand Release { get; }
    public SqliteParameter ReleaseClaim { get; }

    public SqliteCommand Count { get; }
    public SqliteParameter CountUser { get; }

    /// <summary>True while a transaction is open on the connection (SQLite is out of autocommit mode).</summary>
    public bool InTransaction => SQLitePCL.raw.sqlite3_get_autocommit(_connection.Handle) == 0;

    /// <summary>Rolls back the open transaction, if any, after a failed statement; never throws over the original error.</summary>
    public void RollbackIfOpen()
    {
        try
        {
            if (InTransaction)
            {
                Rollback.ExecuteNonQuery();
            }
        }
        catch (SqliteException)
        {
            // SQLite may have rolled back on its own (e.g. on SQLITE_FULL); the original error is what matters.
        }
    }

    private SqliteCommand Command(string sql)
    {
        var command = _connection.CreateCommand();
        command.CommandText = sql;
        _all.Add(command);
        return command;
    }

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }
    }
}
