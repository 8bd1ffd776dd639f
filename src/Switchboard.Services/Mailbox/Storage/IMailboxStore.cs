using Switchboard.Protocol.Mailbox;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>
/// Where mailbox messages wait for their receiver. Delivery is claim → write → commit:
/// <see cref="ClaimAsync"/> reserves the oldest messages so a concurrent read cannot send them too;
/// <see cref="CommitAsync"/> deletes exactly those once the response was written;
/// <see cref="ReleaseAsync"/> returns them when writing failed. The shape maps onto a shared SQL
/// store (<c>SELECT ... FOR UPDATE SKIP LOCKED</c>) as well as onto SQLite and memory.
/// </summary>
public interface IMailboxStore : IAsyncDisposable
{
    /// <summary>A short description for logs, e.g. <c>sqlite:/var/lib/mailbox.db</c>.</summary>
    string Description { get; }

    /// <summary>
    /// Stores <paramref name="message"/> for <paramref name="receiver"/>; durable (for durable stores) when it
    /// completes. Cancelling stops the wait, not necessarily the write.
    /// </summary>
    ValueTask AppendAsync(string receiver, MailboxMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="max"/> of <paramref name="user"/>'s oldest unclaimed messages, oldest first.
    /// Every returned message passes <see cref="StoredMessageCheck"/>; one that does not is moved aside
    /// (kept, never delivered, never blocking the mailbox again) and listed in <see cref="MailboxClaim.Quarantined"/>.
    /// </summary>
    ValueTask<MailboxClaim> ClaimAsync(string user, int max, CancellationToken cancellationToken);

    /// <summary>Deletes the claimed messages: they were delivered.</summary>
    ValueTask CommitAsync(MailboxClaim claim, CancellationToken cancellationToken);

    /// <summary>Makes the claimed messages available again, in their original order: delivery failed.</summary>
    ValueTask ReleaseAsync(MailboxClaim claim, CancellationToken cancellationToken);

    /// <summary>How many messages wait for <paramref name="user"/>, claimed or not.</summary>
    ValueTask<long> CountAsync(string user, CancellationToken cancellationToken);
}

/// <summary>Messages reserved for one delivery attempt.</summary>
/// <param name="Token">Store-specific identity of the claim.</param>
/// <param name="Ids">Store-specific ids of the claimed messages, parallel to <paramref name="Messages"/>.</param>
/// <param name="MoreWaiting">True when unclaimed messages for the user remain beyond these.</param>
public sealed record MailboxClaim(string User, long Token, IReadOnlyList<long> Ids, IReadOnlyList<MailboxMessage> Messages, bool MoreWaiting)
{
    /// <summary>Messages found unsendable during this claim and moved aside, for the server to log.</summary>
    public IReadOnlyList<QuarantinedMessage> Quarantined { get; init; } = [];
}

/// <summary>A stored message that cannot be encoded on the wire, set aside by a claim.</summary>
/// <param name="Id">Store-specific id (the row id in SQLite's <c>quarantine</c> table).</param>
/// <param name="Reason">What is wrong with it, from <see cref="StoredMessageCheck"/>.</param>
public sealed record QuarantinedMessage(long Id, string Reason);
