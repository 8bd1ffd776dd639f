using Switchboard.Services.Common;
using Switchboard.Transport.Observability;

namespace Switchboard.Services.Talk;

/// <summary>
/// What one end of a conversation shows its user: the other side's lines alone on stdout (so they can
/// be piped), and prompts, notices and errors on stderr. Writes are serialised because a server's
/// conversation and the callers it turns away report from different connections at once.
/// </summary>
internal sealed class TalkConsole(ConsoleStreams streams, Verbosity verbosity)
{
    private readonly SemaphoreSlim _write = new(1, 1);

    public ConsoleStreams Streams => streams;

    /// <summary>A line from the other side, exactly as received.</summary>
    public Task PrintAsync(string line) => WriteAsync(streams.Out, line + Environment.NewLine);

    /// <summary>What is happening (connected, hung up); hidden by --quiet.</summary>
    public Task NoticeAsync(string text) =>
        verbosity == Verbosity.Quiet ? Task.CompletedTask : WriteAsync(streams.Error, $"talk: {text}{Environment.NewLine}");

    /// <summary>Something failed; always shown.</summary>
    public Task ErrorAsync(string text) => WriteAsync(streams.Error, $"error: {text}{Environment.NewLine}");

    /// <summary>Asks a person at a terminal for their line; scripts feeding stdin get no prompts to filter out.</summary>
    public Task PromptAsync() => streams.InIsTerminal ? WriteAsync(streams.Error, "> ") : Task.CompletedTask;

    private async Task WriteAsync(TextWriter writer, string text)
    {
        await _write.WaitAsync().ConfigureAwait(false);
        try
        {
            await writer.WriteAsync(text).ConfigureAwait(false);
            await writer.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }
}
