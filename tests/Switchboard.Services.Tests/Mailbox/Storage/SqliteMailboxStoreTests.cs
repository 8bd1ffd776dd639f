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

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }
}
