using Switchboard.Protocol.Talk;

namespace Switchboard.Services.Talk;

/// <summary>
/// The server's single line: at most one conversation at a time, since there is one person at the
/// keyboard. Also notices when that person's input ends, which ends the server: nobody is left to answer.
/// </summary>
internal sealed class TalkLine(TalkServerOptions options, ITalkUser user)
{
    private readonly TaskCompletionSource _inputEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _inCall;

    public TalkServerOptions Options => options;

    /// <summary>The person at this server's keyboard.</summary>
    public ITalkUser User => user;

    public TalkLineDecoder Decoder { get; } = new(options.MaxLineBytes);

    /// <summary>The bound port, for notices; set once listening.</summary>
    public int Port { get; set; }

    /// <summary>Completes when the server's standard input has ended and no conversation needs it.</summary>
    public Task InputEnded => _inputEnded.Task;

    /// <summary>Takes the line for a new conversation; false when one is already under way.</summary>
    public bool TryPickUp() => Interlocked.CompareExchange(ref _inCall, 1, 0) == 0;

    /// <summary>Frees the line after a conversation and goes back to watching the input.</summary>
    public void HangUp()
    {
        Volatile.Write(ref _inCall, 0);
        WatchInputWhileIdle();
    }

    /// <summary>The conversation found the input ended.</summary>
    public void EndOfInput() => _inputEnded.TrySetResult();

    /// <summary>
    /// With no conversation, the next input line is read ahead (kept for the next caller, never lost) so
    /// that the end of input is seen at once instead of when the next caller needs an answer.
    /// </summary>
    public void WatchInputWhileIdle()
    {
        if (user.InputEnded)
        {
            _inputEnded.TrySetResult();
            return;
        }
        _ = ObserveAsync(user.PeekLineAsync());
    }

    private async Task ObserveAsync(Task<string?> next)
    {
        var line = await next.ConfigureAwait(false);
        // During a conversation the conversation itself meets the end, or HangUp sees InputEnded afterwards.
        if (line is null && Volatile.Read(ref _inCall) == 0)
        {
            _inputEnded.TrySetResult();
        }
    }
}
