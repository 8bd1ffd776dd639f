using Spectre.Console;

namespace Switchboard.Cli.Terminal;

/// <summary>A Spectre.Console progress bar on stderr for one download, fed the byte counts the files client reports.</summary>
public sealed class FilesProgress : IProgress<long>, IAsyncDisposable
{
    /// <summary>Files above this size get a bar (when stderr is a terminal); smaller ones finish before it would show.</summary>
    public const long Threshold = 4 * 1024 * 1024;

    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _rendering;
    private volatile ProgressTask? _bar;

    public FilesProgress(TextWriter stderr, string name, long length)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(stderr),
            Interactive = InteractionSupport.Yes,
        });
        // Spectre renders from its own loop; the receive loop only updates a number.
        _rendering = console.Progress()
            .AutoClear(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async ctx =>
            {
                _bar = ctx.AddTask(Markup.Escape(name), maxValue: Math.Max(length, 1));
                await _done.Task.ConfigureAwait(false);
            });
    }

    public void Report(long value)
    {
        // Null until Spectre's loop has started; the next report catches up.
        if (_bar is { } bar)
        {
            bar.Value = value;
        }
    }

    public async ValueTask DisposeAsync()
    {
        _done.TrySetResult();
        // Lets the renderer draw its final frame.
        await _rendering.ConfigureAwait(false);
    }
}
