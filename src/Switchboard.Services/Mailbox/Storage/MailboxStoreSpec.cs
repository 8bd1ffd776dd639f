using Switchboard.Protocol;

namespace Switchboard.Services.Mailbox.Storage;

/// <summary>Parses and opens <c>--store</c> values: <c>sqlite:PATH</c> (durable, the default) or <c>memory</c>.</summary>
public static class MailboxStoreSpec
{
    public const string Default = "sqlite:mailbox.db";

    /// <summary>Checks the form of <paramref name="spec"/> without opening anything.</summary>
    /// <exception cref="InvalidValueException">Neither <c>memory</c> nor <c>sqlite:PATH</c>.</exception>
    public static void Validate(string spec)
    {
        if (spec == "memory")
        {
            return;
        }
        if (spec.StartsWith("sqlite:", StringComparison.Ordinal) && spec.Length > "sqlite:".Length)
        {
            return;
        }
        throw new InvalidValueException($"--store '{spec}' is not a store: use sqlite:PATH (e.g. sqlite:mailbox.db) or memory");
    }

    /// <summary>Opens the store <paramref name="spec"/> names.</summary>
    public static async Task<IMailboxStore> OpenAsync(string spec, CancellationToken cancellationToken)
    {
        Validate(spec);
        if (spec == "memory")
        {
            return new MemoryMailboxStore();
        }
        return await SqliteMailboxStore.OpenAsync(spec["sqlite:".Length..], cancellationToken).ConfigureAwait(false);
    }
}
