namespace Switchboard.Cli.Terminal;

/// <summary>
/// Lines the local user types, read one at a time and never lost: a wait that is cancelled (the peer
/// hung up, the server is stopping) leaves the read under way, and the next caller gets its line.
/// Needed because a reader may ignore cancellation and block its thread (<see cref="Console.In"/> does),
/// so the read runs on its own task and callers only wait on it. At most one line is read ahead of its taker.
/// Not for concurrent takers: one conversation at a time takes lines.
/// </summary>
public sealed class TalkKeyboard(TextReader reader)
{
    private readonly Lock _lock = new();
    private Task<string?>? _pending;

    /// <summary>True once the input has ended; every later read returns null at once.</summary>
    public bool AtEnd { get; private set; }

    /// <summary>Why the input ended early, when reading it failed rather than reaching its end; else null.</summary>
    public string? Failure { get; private set; }

    /// <summary>The next line without taking it (null at end of input); starts reading if nothing is under way.</summary>
    public Task<string?> PeekAsync()
    {
        lock (_lock)
        {
            return _pending ??= Task.Run(ReadAsync);
        }
    }

    /// <summary>Takes the next line, or null at end of input. Cancelling gives up the wait, not the line.</summary>
    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        var pending = PeekAsync();
        var line = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (line is not null)
        {
            lock (_lock)
            {
                if (ReferenceEquals(_pending, pending))
                {
                    _pending = null;
                }
            }
        }
        // At end of input the finished read stays in place, so every later caller sees the end too.
        return line;
    }

    private async Task<string?> ReadAsync()
    {
        string? line;
        try
        {
            line = await reader.ReadLineAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException)
        {
            // A terminal that went away is, for a conversation, the same as the input ending.
            Failure = e.Message;
            line = null;
        }
        if (line is null)
        {
            AtEnd = true;
        }
        return line;
    }
}
