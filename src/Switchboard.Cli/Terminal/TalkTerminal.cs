using System.Globalization;
using Switchboard.Services.Talk;
using Switchboard.Transport.Observability;

namespace Switchboard.Cli.Terminal;

/// <summary>
/// The person at a terminal, for talk: the other side's lines alone on stdout (so they can be piped);
/// prompts, notices and errors on stderr. Writes are serialised because a server's conversation and the
/// callers it turns away report from different connections at once. Something reported while the prompt
/// is showing starts on a line of its own and the prompt is shown again after it, so a notice never lands
/// in the middle of the line being typed.
/// </summary>
public sealed class TalkTerminal : ITalkUser
{
    private const string Prompt = "> ";

    private readonly ConsoleStreams _streams;
    private readonly Verbosity _verbosity;
    private readonly bool _timestamps;
    private readonly TalkKeyboard _keyboard;
    private readonly SemaphoreSlim _write = new(1, 1);

    // Both guarded by _write.
    private bool _prompting;
    private bool _midLine;

    /// <param name="timestamps">Stamp notices with the time, as server logs are (SPEC: logs carry timestamps).</param>
    public TalkTerminal(ConsoleStreams streams, Verbosity verbosity, bool timestamps)
    {
        _streams = streams;
        _verbosity = verbosity;
        _timestamps = timestamps;
        _keyboard = new TalkKeyboard(streams.In);
    }

    /// <summary>The person at a talk server: notices are timestamped, as a server's log is.</summary>
    public static TalkTerminal ForServer(ConsoleStreams streams, Verbosity verbosity) => new(streams, verbosity, timestamps: true);

    /// <summary>The person at a talk client: a conversation, not a log, so no timestamps.</summary>
    public static TalkTerminal ForClient(ConsoleStreams streams, Verbosity verbosity) => new(streams, verbosity, timestamps: false);

    public bool InputEnded => _keyboard.AtEnd;

    public string? InputFailure => _keyboard.Failure;

    public async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        // Prompts only for a person at a terminal: scripts feeding stdin get none to filter out.
        if (_streams.InIsTerminal)
        {
            await WriteAsync(() =>
            {
                _prompting = true;
                _midLine = true;
                return _streams.Error.WriteAsync(Prompt);
            }).ConfigureAwait(false);
        }
        try
        {
            var line = await _keyboard.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            // Enter was pressed: the terminal's echo ended the prompt line.
            await WriteAsync(() =>
            {
                _prompting = false;
                _midLine = false;
                return Task.CompletedTask;
            }).ConfigureAwait(false);
            return line;
        }
        catch (OperationCanceledException)
        {
            // Nobody waits for this line any more; the prompt stays on screen, unfinished, so whatever
            // comes next starts on a new line.
            await WriteAsync(() =>
            {
                _prompting = false;
                return Task.CompletedTask;
            }).ConfigureAwait(false);
            throw;
        }
    }

    public Task<string?> PeekLineAsync() => _keyboard.PeekAsync();

    public Task ShowLineAsync(string line) => ReportAsync(_streams.Out, line);

    public Task ShowNoticeAsync(string text) =>
        _verbosity == Verbosity.Quiet ? Task.CompletedTask : ReportAsync(_streams.Error, $"{Stamp()}talk: {text}");

    // Errors keep "error:" at the start of the line, the contract every command's stderr keeps.
    public Task ShowErrorAsync(string text) => ReportAsync(_streams.Error, $"error: {text}");

    private string Stamp() => _timestamps
        ? DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ss.fffZ ", CultureInfo.InvariantCulture)
        : string.Empty;

    private Task ReportAsync(TextWriter writer, string text) => WriteAsync(async () =>
    {
        if (_midLine)
        {
            await _streams.Error.WriteLineAsync().ConfigureAwait(false);
            await _streams.Error.FlushAsync().ConfigureAwait(false);
            _midLine = false;
        }
        await writer.WriteLineAsync(text).ConfigureAwait(false);
        await writer.FlushAsync().ConfigureAwait(false);
        if (_prompting)
        {
            await _streams.Error.WriteAsync(Prompt).ConfigureAwait(false);
            _midLine = true;
        }
    });

    private async Task WriteAsync(Func<Task> write)
    {
        await _write.WaitAsync().ConfigureAwait(false);
        try
        {
            await write().ConfigureAwait(false);
            await _streams.Error.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _write.Release();
        }
    }
}
