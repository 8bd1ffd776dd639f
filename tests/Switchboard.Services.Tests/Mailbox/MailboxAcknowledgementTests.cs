using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Data.Sqlite;
using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox.Storage;
using Switchboard.Services.Tests.Mailbox.Storage;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Mailbox;

/// <summary>
/// Issue 10 items 1, 2 and 5: a clean close is the protocol's only "stored", so it is given only after a
/// commit; every other ending is a reset; stored text comes back byte for byte; a row the wire cannot
/// carry never blocks a mailbox.
/// </summary>
public sealed class MailboxAcknowledgementTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string DbPath => Path.Combine(_dir.Path, "mailbox.db");

    private async Task<IMailboxStore> OpenAsync(bool sqlite) =>
        sqlite ? await SqliteMailboxStore.OpenAsync(DbPath) : new MemoryMailboxStore();

    private static byte[] Create(string sender, string receiver, string text) =>
        MessageRequestCodec.Encode(MessageRequest.Create(sender, receiver, text));

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Text_with_a_nul_over_512_bytes_travels_byte_exactly(bool sqlite)
    {
        await using var store = await OpenAsync(sqlite);
        await using var server = await MailboxTestServer.StartAsync(store);
        string[] texts = ["\0" + new string('a', 512), "a\0" + new string('a', 511)];
        foreach (var text in texts)
        {
            await server.CreateAsync("al", "bob", text);
        }
        var (header, messages) = await server.ReadAsync("bob");
        header.NumItems.ShouldBe(2);
        messages.Select(m => m.Text).ShouldBe(texts);
        (await server.ReadAsync("bob")).Header.NumItems.ShouldBe(0);
    }

    [Fact]
    public async Task A_poisoned_row_does_not_block_later_reads_across_restarts()
    {
        await using (var store = await SqliteMailboxStore.OpenAsync(DbPath))
        {
            await store.AppendAsync("bob", new MailboxMessage("al", "before"), default);
        }
        await SqliteMailboxStoreTests.ExecuteOnFileAsync(DbPath, "INSERT INTO messages (receiver, sender, body, created_at) VALUES ($r, 'al', x'', 0);", ("$r", "bob"u8.ToArray()));
        for (var restart = 0; restart < 2; restart++)
        {
            await using var store = await SqliteMailboxStore.OpenAsync(DbPath);
            await using var server = await MailboxTestServer.StartAsync(store);
            await server.CreateAsync("al", "bob", $"after {restart}");
            var (header, messages) = await server.ReadAsync("bob");
            messages.Select(m => m.Text).ShouldBe(restart == 0 ? ["before", "after 0"] : ["after 1"]);
            header.NumItems.ShouldBe(messages.Count);
            if (restart == 0)
            {
                await server.Logs.WaitForAsync("cannot be sent (message text is 0 bytes, expected 1-65535); set aside as quarantine entry 1");
            }
            server.Logs.Lines.ShouldNotContain(l => l.Contains("internal error"));
        }
    }

    [Fact]
    public async Task A_create_the_store_fails_is_reset_not_closed()
    {
        await using var store = new FailingStore();
        await using var server = await MailboxTestServer.StartAsync(store);
        var (received, kind) = await server.SendAndObserveCloseAsync(Create("al", "bob", "lost"));
        received.ShouldBeEmpty();
        kind.ShouldBe(PeerCloseKind.Reset);
        await server.Logs.WaitForAsync("rejected: storing a message for 'bob' failed: disk on fire");
    }

    [Fact]
    public async Task A_malformed_or_short_request_is_reset()
    {
        await using var server = await MailboxTestServer.StartAsync();
        (await server.SendAndObserveCloseAsync(new byte[] { 0xAE, 0x00 })).Kind.ShouldBe(PeerCloseKind.Reset);
        var whole = Create("al", "bob", "cut short");
        await using var tcp = await RawTcp.ConnectAsync(server.Port);
        await tcp.SendAsync(whole.AsMemory(0, whole.Length - 1));
        tcp.ShutdownSend();
        (await tcp.Socket.ReadUntilClosedAsync()).Kind.ShouldBe(PeerCloseKind.Reset);
        (await server.Store.CountAsync("bob", default)).ShouldBe(0);
    }

    [Fact]
    public async Task A_stored_create_and_a_delivered_read_close_cleanly()
    {
        await using var server = await MailboxTestServer.StartAsync();
        (await server.SendAndObserveCloseAsync(Create("al", "bob", "hi"))).Kind.ShouldBe(PeerCloseKind.Clean);
        var (response, kind) = await server.SendAndObserveCloseAsync(MessageRequestCodec.Encode(MessageRequest.Read("bob")));
        kind.ShouldBe(PeerCloseKind.Clean);
        response.ShouldBe(MessageResponseCodec.Encode([new MailboxMessage("al", "hi")], false));
    }

    [Fact]
    public async Task A_create_while_another_process_holds_the_database_is_reset_within_the_busy_timeout()
    {
        await using var store = await SqliteMailboxStore.OpenAsync(DbPath);
        await using var server = await MailboxTestServer.StartAsync(store, new TransportLimits { GapTimeout = TimeSpan.FromSeconds(1), RequestTimeout = TimeSpan.FromSeconds(5) });
        await using var other = new SqliteConnection($"Data Source={DbPath};Pooling=False");
        await other.OpenAsync();
        await using (var hold = other.CreateCommand())
        {
            hold.CommandText = "BEGIN EXCLUSIVE; DELETE FROM quarantine;";
            await hold.ExecuteNonQueryAsync();
        }
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var (_, kind) = await server.SendAndObserveCloseAsync(Create("al", "bob", "blocked"));
        kind.ShouldBe(PeerCloseKind.Reset);
        watch.Elapsed.ShouldBeLessThan(SqliteMailboxStore.BusyTimeout + TimeSpan.FromSeconds(3));
        var line = await server.Logs.WaitForAsync("rejected: storing a message for 'bob' failed");
        line.ShouldContain("locked by another connection or process (gave up after waiting 3 s)");
    }

    [Fact]
    public async Task Connections_over_the_limit_are_reset_and_logged_without_a_flood()
    {
        var logs = new TestLogSink();
        await using var server = await MailboxTestServer.StartAsync(
            limits: new TransportLimits { GapTimeout = TimeSpan.FromSeconds(30), RequestTimeout = TimeSpan.FromSeconds(30) },
            hostOptions: new ServerHostOptions { MaxConnections = 2, RefusalLogWindow = TimeSpan.FromMilliseconds(300) },
            logs: logs);
        await using var first = await RawTcp.ConnectAsync(server.Port);
        await using var second = await RawTcp.ConnectAsync(server.Port);
        await logs.WaitForAsync($"accepted 127.0.0.1:{((System.Net.IPEndPoint)second.Socket.LocalEndPoint!).Port}");

        const int flood = 200;
        var kinds = await Task.WhenAll(Enumerable.Range(0, flood).Select(async _ =>
        {
            // The reset can overtake the connect's own completion, the first send, or arrive on the read.
            try
            {
                await using var tcp = await RawTcp.ConnectAsync(server.Port);
                await tcp.SendAsync(Create("al", "bob", "refused"));
                return (await tcp.Socket.ReadUntilClosedAsync()).Kind;
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.ConnectionReset or SocketError.ConnectionAborted or SocketError.Shutdown)
            {
                return PeerCloseKind.Reset;
            }
        }));
        kinds.ShouldAllBe(k => k == PeerCloseKind.Reset, "a refused create must never look stored");
        (await server.Store.CountAsync("bob", default)).ShouldBe(0);

        await Deadline.Until(() => RefusalsLogged(logs) == flood, "every refusal logged or counted");
        var refusalLines = logs.Lines.Count(l => l.Contains("refused", StringComparison.Ordinal));
        refusalLines.ShouldBeLessThan(30, "rate-limited: a handful of lines plus counts, not one per connection");
        logs.Lines.ShouldContain(l => l.Contains("refused 127.0.0.1:") && l.Contains("mailbox is serving its limit of 2 connections"));
        logs.Lines.ShouldContain(l => l.Contains("more connections to mailbox in the last 0.3 s (limit 2)"));
        logs.Lines.ShouldNotContain(l => l.Contains("maximum number of concurrent connections"), "Kestrel's generic warning");

        // The two that were let in are still served.
        await first.SendAsync(Create("al", "bob", "served"));
        (await first.Socket.ReadUntilClosedAsync()).Kind.ShouldBe(PeerCloseKind.Clean);
    }

    private static long RefusalsLogged(TestLogSink logs) => logs.Lines.Sum(l =>
    {
        if (l.Contains("is serving its limit of", StringComparison.Ordinal))
        {
            return 1L;
        }
        var more = Regex.Match(l, @"refused (\d+) more connections? to mailbox");
        return more.Success ? long.Parse(more.Groups[1].Value) : 0L;
    });

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    /// <summary>A store whose disk has failed: every append throws.</summary>
    private sealed class FailingStore : IMailboxStore
    {
        public string Description => "failing";

        public ValueTask AppendAsync(string receiver, MailboxMessage message, CancellationToken cancellationToken) =>
            throw new MailboxStoreException($"storing a message for '{receiver}' failed: disk on fire");

        public ValueTask<MailboxClaim> ClaimAsync(string user, int max, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new MailboxClaim(user, 1, [], [], false));

        public ValueTask CommitAsync(MailboxClaim claim, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask ReleaseAsync(MailboxClaim claim, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask<long> CountAsync(string user, CancellationToken cancellationToken) => ValueTask.FromResult(0L);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
