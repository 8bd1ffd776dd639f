namespace Switchboard.Services.Talk;

/// <summary>
/// The person at one end of a conversation: the lines they type, and what they are shown. The CLI gives
/// a terminal (stdin, stdout, stderr); tests give a scripted person. The conversation logic never
/// touches a console itself.
/// </summary>
public interface ITalkUser
{
    /// <summary>
    /// Asks for the person's next line (showing a prompt where they can see one) and takes it; null once
    /// their input has ended. Cancelling gives up the wait, never the line: it is kept for the next taker.
    /// </summary>
    Task<string?> ReadLineAsync(CancellationToken cancellationToken);

    /// <summary>The next line without taking it or prompting for it; null at end of input.</summary>
    Task<string?> PeekLineAsync();

    /// <summary>True once the input has ended; every later read returns null at once.</summary>
    bool InputEnded { get; }

    /// <summary>Why the input ended early, when reading it failed rather than reaching its end; else null.</summary>
    string? InputFailure { get; }

    /// <summary>A line from the other side, exactly as received.</summary>
    Task ShowLineAsync(string line);

    /// <summary>What is happening (connected, hung up, turned away); a quiet user does not see these.</summary>
    Task ShowNoticeAsync(string text);

    /// <summary>Something failed; always shown.</summary>
    Task ShowErrorAsync(string text);
}
