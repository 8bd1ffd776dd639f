using System.Text;

namespace Switchboard.Cli.Terminal;

/// <summary>
/// Where a chat client's text goes: received lines to stdout, prompts and notices to stderr, and typed input
/// read from stdin. Two shapes: <see cref="ChatPlainDisplay"/> line by line for scripts, and
/// <see cref="ChatTerminalDisplay"/> which edits the typed line itself so incoming lines never garble it.
/// </summary>
internal abstract class ChatDisplay
{
    /// <summary>Reads one line after showing <paramref name="prompt"/>; null at the end of input.</summary>
    /// <param name="keepLine">Leave the prompt and answer on screen (a username); otherwise the line is erased on
    /// Enter, since the server echoes every message back.</param>
    public abstract Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken, bool keepLine = false);

    /// <summary>No more input will be read: the prompt is taken off the screen and not redrawn.</summary>
    public virtual void StopInput()
    {
    }

    /// <summary>Shows a line the server sent (stdout).</summary>
    public abstract Task ShowAsync(string line);

    /// <summary>Shows a notice for the user (stderr).</summary>
    public abstract Task NoticeAsync(string text);

    /// <summary>The display for <paramref name="console"/>: the line editor on a real terminal, plain otherwise.</summary>
    public static ChatDisplay For(ConsoleStreams console) =>
        console.InIsTerminal && console.ErrorIsTerminal && !Console.IsOutputRedirected
            ? new ChatTerminalDisplay(console)
            : new ChatPlainDisplay(console);
}

/// <summary>Line by line: prompts for a username or pairing go to stderr; per-message prompts only when a person types.</summary>
internal sealed class ChatPlainDisplay(ConsoleStreams console) : ChatDisplay
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public override async Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken, bool keepLine = false)
    {
        if (prompt.Length > 0)
        {
            await WriteAsync(console.Error, prompt, newline: false).ConfigureAwait(false);
        }
        var line = await console.In.ReadLineAsync(cancellationToken).ConfigureAwait(false);
        if (prompt.Length > 0 && !console.InIsTerminal)
        {
            // Nobody typed it, so no newline was echoed: end the prompt's line so the next notice starts afresh.
            await WriteAsync(console.Error, string.Empty, newline: true).ConfigureAwait(false);
        }
        return line;
    }

    public override Task ShowAsync(string line) => WriteAsync(console.Out, line, newline: true);

    public override Task NoticeAsync(string text) => WriteAsync(console.Error, text, newline: true);

    private async Task WriteAsync(TextWriter writer, string text, bool newline)
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (newline)
            {
                await writer.WriteLineAsync(text).ConfigureAwait(false);
            }
            else
            {
                await writer.WriteAsync(text).ConfigureAwait(false);
            }
            await writer.FlushAsync().ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }
}

/// <summary>
/// A small line editor on a real terminal. Keys are read one at a time, so the display always knows the prompt and
/// what has been typed: an incoming line erases the input line, prints, and redraws the prompt and the typed text
/// after it. Enter sends; Backspace, Ctrl+U (clear) and Ctrl+D (end, on an empty line) are understood.
/// </summary>
internal sealed class ChatTerminalDisplay(ConsoleStreams console) : ChatDisplay
{
    private readonly Lock _gate = new();
    private readonly StringBuilder _typed = new();
    private string _prompt = string.Empty;
    private bool _editing;
    private bool _stopped;

    public override Task<string?> ReadLineAsync(string prompt, CancellationToken cancellationToken, bool keepLine = false) =>
        // Console.ReadKey blocks its thread; a dedicated one keeps the pool free. The process ends without it.
        Task.Factory.StartNew(() => ReadLine(prompt, keepLine, cancellationToken), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    public override void StopInput()
    {
        lock (_gate)
        {
            if (_editing)
            {
                Erase();
            }
            _editing = false;
            _stopped = true;
        }
    }

    public override Task ShowAsync(string line)
    {
        lock (_gate)
        {
            Interrupt(() =>
            {
                console.Out.WriteLine(line);
                console.Out.Flush();
            });
        }
        return Task.CompletedTask;
    }

    public override Task NoticeAsync(string text)
    {
        lock (_gate)
        {
            Interrupt(() => console.Error.WriteLine(text));
        }
        return Task.CompletedTask;
    }

    private string? ReadLine(string prompt, bool keepLine, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_stopped)
            {
                return null;
            }
            _prompt = prompt;
            _typed.Clear();
            _editing = true;
            Draw();
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            var key = Console.ReadKey(intercept: true);
            lock (_gate)
            {
                if (_stopped)
                {
                    return null;
                }
                switch (key.Key)
                {
                    case ConsoleKey.Enter:
                        var line = _typed.ToString();
                        if (keepLine)
                        {
                            console.Error.WriteLine();
                        }
                        else
                        {
                            // The server echoes every message back as a chat line: erase the typed one rather than show it twice.
                            Erase();
                        }
                        _editing = false;
                        _typed.Clear();
                        return line;
                    case ConsoleKey.Backspace:
                        if (_typed.Length > 0)
                        {
                            Erase();
                            var cut = _typed.Length >= 2 && char.IsLowSurrogate(_typed[^1]) && char.IsHighSurrogate(_typed[^2]) ? 2 : 1;
                            _typed.Length -= cut;
                            Draw();
                        }
                        continue;
                }
                if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key == ConsoleKey.U)
                {
                    Erase();
                    _typed.Clear();
                    Draw();
                }
                else if (key.Modifiers.HasFlag(ConsoleModifiers.Control) && key.Key == ConsoleKey.D)
                {
                    if (_typed.Length == 0)
                    {
                        Erase();
                        _editing = false;
                        return null;
                    }
                }
                else if (key.KeyChar != '\0' && !char.IsControl(key.KeyChar))
                {
                    _typed.Append(key.KeyChar);
                    console.Error.Write(key.KeyChar);
                    console.Error.Flush();
                }
            }
        }
        cancellationToken.ThrowIfCancellationRequested();
        return null;
    }

    /// <summary>Erases the input line, runs <paramref name="write"/>, then puts the prompt and typed text back.</summary>
    private void Interrupt(Action write)
    {
        if (_editing)
        {
            Erase();
        }
        write();
        if (_editing)
        {
            Draw();
        }
    }

    private void Draw()
    {
        console.Error.Write(_prompt);
        console.Error.Write(_typed.ToString());
        console.Error.Flush();
    }

    /// <summary>Back to the start of the input line, wrapped rows included, and clear to the end of the screen.</summary>
    private void Erase()
    {
        var length = _prompt.Length + _typed.Length;
        var width = Width();
        var rowsAbove = length == 0 ? 0 : (length - 1) / width;
        var erase = new StringBuilder("\r");
        if (rowsAbove > 0)
        {
            erase.Append("\u001b[").Append(rowsAbove).Append('A');
        }
        erase.Append("\u001b[J");
        console.Error.Write(erase.ToString());
        console.Error.Flush();
    }

    private static int Width()
    {
        try
        {
            return Math.Max(10, Console.WindowWidth);
        }
        catch (IOException)
        {
            return 80;
        }
    }
}
