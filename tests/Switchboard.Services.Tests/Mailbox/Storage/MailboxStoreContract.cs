using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Mailbox.Storage;

namespace Switchboard.Services.Tests.Mailbox.Storage;

/// <summary>What every <see cref="IMailboxStore"/> must do; each store's test class runs all of it.</summary>
public abstract class MailboxStoreContract
{
    protected abstract Task<IMailboxStore> OpenAsync();

    private static MailboxMessage M(string text, string sender = "al") => new(sender, text);

    [Fact]
    public async Task Claim_returns_oldest_first_and_commit_deletes_exactly_those()
    {
        await using var store = await OpenAsync();
        foreach (var t in new[] { "1", "2", "3" })
        {
            await store.AppendAsync("bob", M(t), default);
        }
        var claim = await store.ClaimAsync("bob", 2, default);
        claim.Messages.ShouldBe([M("1"), M("2")]);
        claim.MoreWaiting.ShouldBeTrue();
        await store.AppendAsync("bob", M("4"), default);
        await store.CommitAsync(claim, default);

        var rest = await store.ClaimAsync("bob", 255, default);
        rest.Messages.ShouldBe([M("3"), M("4")]);
        rest.MoreWaiting.ShouldBeFalse();
    }

    [Fact]
    public async Task Released_messages_come_back_in_their_original_place()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync("bob", M("1"), default);
        await store.AppendAsync("bob", M("2"), default);
        var failed = await store.ClaimAsync("bob", 1, default);
        await store.ReleaseAsync(failed, default);
        (await store.ClaimAsync("bob", 5, default)).Messages.ShouldBe([M("1"), M("2")]);
    }

    [Fact]
    public async Task Concurrent_claims_never_share_a_message()
    {
        await using var store = await OpenAsync();
        for (var i = 0; i < 100; i++)
        {
            await store.AppendAsync("bob", M($"{i}"), default);
        }
        var first = await store.ClaimAsync("bob", 30, default);
        var second = await store.ClaimAsync("bob", 30, default);
        first.Messages.Select(m => m.Text).ShouldBe(Enumerable.Range(0, 30).Select(i => $"{i}"));
        second.Messages.Select(m => m.Text).ShouldBe(Enumerable.Range(30, 30).Select(i => $"{i}"));
        (await store.CountAsync("bob", default)).ShouldBe(100);
    }

    [Fact]
    public async Task Users_are_separate_and_names_are_exact()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync("Bob", M("capital"), default);
        await store.AppendAsync("bob", M("lower"), default);
        await store.AppendAsync("bób", M("accent"), default);
        (await store.ClaimAsync("bob", 255, default)).Messages.ShouldBe([M("lower")]);
        (await store.ClaimAsync("Bob", 255, default)).Messages.ShouldBe([M("capital")]);
        (await store.ClaimAsync("nobody", 255, default)).Messages.ShouldBeEmpty();
    }

    [Fact]
    public async Task Text_is_stored_exactly()
    {
        await using var store = await OpenAsync();
        var text = "tabs\tnew\nlines, ☃, 🎉, quotes ' \" and a NUL \0 too";
        await store.AppendAsync("bob", M(text, "Zoë"), default);
        (await store.ClaimAsync("bob", 1, default)).Messages.Single().ShouldBe(M(text, "Zoë"));
    }

    [Theory]
    [InlineData(0, 512)]
    [InlineData(1, 511)]
    [InlineData(0, 65_534)]
    public async Task Text_with_a_nul_is_stored_byte_exactly_at_any_length(int nulAt, int letters)
    {
        // Issue 10 item 1: over 512 bytes, SQLite cut the text at its first NUL.
        await using var store = await OpenAsync();
        var text = new string('a', nulAt) + "\0" + new string('a', letters - nulAt);
        var sender = "n\0l" + new string('s', 250);
        await store.AppendAsync("bob", M(text, sender), default);
        var back = (await store.ClaimAsync("bob", 1, default)).Messages.Single();
        back.Text.Length.ShouldBe(text.Length);
        back.ShouldBe(M(text, sender));
    }

    [Fact]
    public async Task A_message_the_wire_cannot_carry_is_set_aside_and_the_rest_are_claimed()
    {
        await using var store = await OpenAsync();
        await store.AppendAsync("bob", M("first"), default);
        await store.AppendAsync("bob", M(string.Empty), default);
        await store.AppendAsync("bob", M(new string('x', 65_536)), default);
        await store.AppendAsync("bob", M("last"), default);

        var claim = await store.ClaimAsync("bob", 255, default);
        claim.Messages.ShouldBe([M("first"), M("last")]);
        claim.Quarantined.Select(q => q.Reason).ShouldBe(["message text is 0 bytes, expected 1-65535", "message text is 65536 bytes, expected 1-65535"]);
        await store.CommitAsync(claim, default);

        var again = await store.ClaimAsync("bob", 255, default);
        again.Messages.ShouldBeEmpty();
        again.Quarantined.ShouldBeEmpty("set aside once, never in the way again");
    }

    [Fact]
    public async Task Set_aside_messages_do_not_shorten_a_full_claim()
    {
        await using var store = await OpenAsync();
        for (var i = 0; i < 6; i++)
        {
            await store.AppendAsync("bob", M(i % 2 == 0 ? string.Empty : $"{i}"), default);
        }
        var claim = await store.ClaimAsync("bob", 2, default);
        claim.Messages.ShouldBe([M("1"), M("3")]);
        claim.MoreWaiting.ShouldBeTrue();
        claim.Quarantined.Count.ShouldBe(3);
    }

    [Fact]
    public async Task Parallel_appends_are_all_kept()
    {
        await using var store = await OpenAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await store.AppendAsync("bob", M($"{t}-{i}"), default);
            }
        })));
        (await store.CountAsync("bob", default)).ShouldBe(400);
    }
}

public sealed class MemoryMailboxStoreTests : MailboxStoreContract
{
    protected override Task<IMailboxStore> OpenAsync() => Task.FromResult<IMailboxStore>(new MemoryMailboxStore());
}
