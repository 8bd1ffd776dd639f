using Microsoft.Data.Sqlite;
using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Mailbox.Storage;

public sealed class SqliteMailboxStoreTests : MailboxStoreContract, IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => Path.Combine(_dir.Path, "mailbox.db");

    protected override async Task<IMailboxStore> OpenAsync() => await SqliteMailboxStore.OpenAsync(DbPath);

    [Fact]
    public async Task Messages_persist_across_reopen()
    {
        await using (var store = await SqliteMailboxStore.OpenAsync(DbPath))
        {
            await store.AppendAsync("bob", new MailboxMessage("al", "persisted"), default);
        }
        await using (var store = await SqliteMailboxStore.OpenAsync(DbPath))
        {
            (await store.ClaimAsync("bob", 255, default)).Messages.Single().Text.ShouldBe("persisted");
        }
    }

    [Fact]
    public async Task Concurrent_appends_are_all_committed_even_when_the_store_closes_right_after()
    {
        var store = await SqliteMailboxStore.OpenAsync(DbPath);
        var appends = Enumerable.Range(0, 2000).Select(i => store.AppendAsync($"user{i % 3}", new MailboxMessage("al", $"{i}"), default).AsTask()).ToArray();
        await Task.WhenAll(appends);
        await store.DisposeAsync();
        await using var reopened = await SqliteMailboxStore.OpenAsync(DbPath);
        for (var u = 0; u < 3; u++)
        {
            var texts = new List<int>();
            while (true)
            {
                var claim = await reopened.ClaimAsync($"user{u}", 255, default);
                texts.AddRange(claim.Messages.Select(m => int.Parse(m.Text)));
                await reopened.CommitAsync(claim, default);
                if (!claim.MoreWaiting)
                {
                    break;
                }
            }
            texts.ShouldBe(Enumerable.Range(0, 2000).Where(i => i % 3 == u), "each user's messages, all of them, in append order");
        }
    }

    [Fact]
    public async Task Appending_to_a_closed_store_is_a_clear_error()
    {
        var store = await SqliteMailboxStore.OpenAsync(DbPath);
        await store.DisposeAsync();
        (await Should.ThrowAsync<MailboxStoreException>(() => store.AppendAsync("bob", new MailboxMessage("al", "late"), default).AsTask()))
            .Message.ShouldContain("the store is closed");
    }

    [Fact]
    public async Task A_claim_cancelled_before_it_runs_claims_nothing()
    {
        await using var store = await SqliteMailboxStore.OpenAsync(DbPath);
        await store.AppendAsync("bob", new MailboxMessage("al", "kept"), default);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Should.ThrowAsync<TaskCanceledException>(() => store.ClaimAsync("bob", 255, cancelled.Token).AsTask());
        (await store.ClaimAsync("bob", 255, default)).Messages.Single().Text.ShouldBe("kept");
    }

    [Fact]
    public async Task Claims_left_by_a_crashed_process_are_released_on_open()
    {
        var store = await SqliteMailboxStore.OpenAsync(DbPath);
        await store.AppendAsync("bob", new MailboxMessage("al", "claimed when the process died"), default);
        (await store.ClaimAsync("bob", 255, default)).Messages.Count.ShouldBe(1);
        // Simulate the crash: the claim is never committed or released, the file is simply reopened.
        SqliteConnection.ClearAllPools();
        await using var reopened = await SqliteMailboxStore.OpenAsync(DbPath);
        (await reopened.ClaimAsync("bob", 255, default)).Messages.Single().Text.ShouldBe("claimed when the process died");
        await store.DisposeAsync();
    }

    [Fact]
    public async Task A_missing_folder_is_a_clear_error()
    {
        var error = await Should.ThrowAsync<MailboxStoreException>(() => SqliteMailboxStore.OpenAsync(Path.Combine(_dir.Path, "no", "such", "m.db")));
        error.Message.ShouldContain("does not exist");
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_a_clear_error_and_is_left_alone()
    {
        await File.WriteAllTextAsync(DbPath, "these are my notes, not a database, please do not touch");
        var error = await Should.ThrowAsync<MailboxStoreException>(() => SqliteMailboxStore.OpenAsync(DbPath));
        error.Message.ShouldContain(DbPath.Replace(_dir.Path, string.Empty).TrimStart('/'));
        (await File.ReadAllTextAsync(DbPath)).ShouldBe("these are my notes, not a database, please do not touch");
    }

    [Fact]
    public async Task Another_applications_database_is_refused()
    {
        await using (var other = new SqliteConnection($"Data Source={DbPath}"))
        {
            await other.OpenAsync();
            await using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE invoices (id INTEGER);";
            await create.ExecuteNonQueryAsync();
        }
        SqliteConnection.ClearAllPools();
        var error = await Should.ThrowAsync<MailboxStoreException>(() => SqliteMailboxStore.OpenAsync(DbPath));
        error.Message.ShouldContain("database of something else");
    }

    /// <summary>Runs SQL on the file through a connection of its own, as another program would.</summary>
    internal static async Task ExecuteOnFileAsync(string path, string sql, params (string Name, object Value)[] parameters)
    {
        await using var other = new SqliteConnection($"Data Source={path};Pooling=False");
        await other.OpenAsync();
        await using var command = other.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        await command.ExecuteNonQueryAsync();
    }

    [Fact]
    public async Task Rows_that_cannot_be_sent_are_moved_to_quarantine_and_stay_out_of_the_way_across_restarts()
    {
        await using (var store = await SqliteMailboxStore.OpenAsync(DbPath))
        {
            await store.AppendAsync("bob", new MailboxMessage("al", "before"), default);
        }
        // Poison inserted behind the server's back: invalid UTF-8, an empty body, an over-long sender.
        foreach (var (sender, body) in new[] { ("al"u8.ToArray(), new byte[] { 0xC3, 0x28 }), ("al"u8.ToArray(), Array.Empty<byte>()), (new byte[256].Select(_ => (byte)'s').ToArray(), "x"u8.ToArray()) })
        {
            await ExecuteOnFileAsync(DbPath, "INSERT INTO messages (receiver, sender, body, created_at) VALUES ($r, $s, $b, 0);",
                ("$r", "bob"u8.ToArray()), ("$s", sender), ("$b", body));
        }
        await using (var store = await SqliteMailboxStore.OpenAsync(DbPath))
        {
            await store.AppendAsync("bob", new MailboxMessage("al", "after"), default);
            var claim = await store.ClaimAsync("bob", 255, default);
            claim.Messages.Select(m => m.Text).ShouldBe(["before", "after"]);
            claim.Quarantined.Select(q => q.Reason).ShouldBe(["message text is not valid UTF-8", "message text is 0 bytes, expected 1-65535", "sender is 256 bytes, expected 1-255"]);
            await store.CommitAsync(claim, default);
            (await store.QuarantinedCountAsync(default)).ShouldBe(3, "kept for an administrator, not deleted");
        }
        await using (var store = await SqliteMailboxStore.OpenAsync(DbPath))
        {
            await store.AppendAsync("bob", new MailboxMessage("al", "next day"), default);
            var claim = await store.ClaimAsync("bob", 255, default);
            claim.Messages.Select(m => m.Text).ShouldBe(["next day"]);
            claim.Quarantined.ShouldBeEmpty();
        }
    }

    [Fact]
    public async Task A_version_1_database_is_migrated_keeping_its_messages()
    {
        await ExecuteOnFileAsync(DbPath, """
            CREATE TABLE messages (id INTEGER PRIMARY KEY AUTOINCREMENT, receiver TEXT NOT NULL, sender TEXT NOT NULL,
                body TEXT NOT NULL, created_at INTEGER NOT NULL, claim INTEGER NULL);
            CREATE INDEX messages_by_receiver ON messages (receiver, id);
            INSERT INTO messages (receiver, sender, body, created_at) VALUES ('bob', 'Zoë', 'kept ☃', 1);
            INSERT INTO messages (receiver, sender, body, created_at) VALUES ('bob', 'al', '', 2);
            INSERT INTO messages (receiver, sender, body, created_at, claim) VALUES ('bob', 'al', 'claimed at the crash', 3, 7);
            PRAGMA user_version = 1;
            """);
        await using var store = await SqliteMailboxStore.OpenAsync(DbPath);
        await store.AppendAsync("bob", new MailboxMessage("al", "new"), default);
        var claim = await store.ClaimAsync("bob", 255, default);
        claim.Messages.ShouldBe([new MailboxMessage("Zoë", "kept ☃"), new MailboxMessage("al", "claimed at the crash"), new MailboxMessage("al", "new")]);
        claim.Quarantined.Single().Reason.ShouldBe("message text is 0 bytes, expected 1-65535", "a row version 1 had already truncated");
    }

    [Fact]
    public async Task A_newer_schema_is_refused()
    {
        await ExecuteOnFileAsync(DbPath, "CREATE TABLE messages (id INTEGER); PRAGMA user_version = 99;");
        (await Should.ThrowAsync<MailboxStoreException>(() => SqliteMailboxStore.OpenAsync(DbPath))).Message.ShouldContain("schema version 99");
    }

    [Fact]
    public async Task A_lock_held_by_another_process_fails_an_append_within_the_busy_timeout()
    {
        await using var store = await SqliteMailboxStore.OpenAsync(DbPath);
        await using var other = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await other.OpenAsync();
        await using var hold = other.CreateCommand();
        hold.CommandText = "BEGIN EXCLUSIVE; INSERT INTO quarantine (message_id, receiver, sender, body, created_at, quarantined_at, reason) VALUES (0, x'00', x'00', x'00', 0, 0, 'lock');";
        await hold.ExecuteNonQueryAsync();

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var error = await Should.ThrowAsync<MailboxStoreException>(() => store.AppendAsync("bob", new MailboxMessage("al", "blocked"), default).AsTask().Within());
        watch.Elapsed.ShouldBeLessThan(SqliteMailboxStore.BusyTimeout + TimeSpan.FromSeconds(3));
        error.Message.ShouldContain("locked by another connection or process");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
