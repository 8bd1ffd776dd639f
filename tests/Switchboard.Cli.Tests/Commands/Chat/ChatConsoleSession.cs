using System.Text;
using System.Threading.Channels;
using Switchboard.Cli.Infrastructure;
using Switchboard.Cli.Terminal;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Commands.Chat;

/// <summary>
/// A <c>switchboard chat client</c> run in process whose standard input is fed line by line while it runs, and
/// whose output can be awaited as it appears: a script that reacts to the room instead of racing it.
/// </summary>
internal sealed class ChatConsoleSession : IAsyncDisposable
{
    private readonly Channel<string?> _lines = Channel.CreateUnbounded<string?>();
    private readonly WatchedWriter _out = new();
    private readonly WatchedWriter _err = new();
    private readonly CancellationTokenSource _shutdown = new();

    private ChatConsoleSession(params string[] args)
    {
        var input = new ChannelReader(_lines.Reader);
        Exit = Task.Run(() => CliApp.RunAsync(args, new ConsoleStreams(input, _out, _err), _shutdown.Token));
    }

    public Task<int> Exit { get; }

    public string Out => _out.Text;

    public string Error => _err.Text;

    public static ChatConsoleSession Start(params string[] args) => new(args);

    public void Type(string line) => _lines.Writer.TryWrite(line);

    public void EndInput() => _lines.Writer.TryComplete();

    public Task WaitForOutAsync(string fragment) => WaitAsync(_out, fragment, "stdout");

    public Task WaitForErrorAsync(string fragment) => WaitAsync(_err, fragment, "stderr");

    public async Task<int> ExitCodeAsync() => await Exit.Within();

    public async ValueTask DisposeAsync()
    {
        EndInput();
        await _shutdown.CancelAsync();
        try
        {
            await Exit.Within();
        }
        catch (OperationCanceledException)
        {
        }
        _shutdown.Dispose();
    }

    private async Task WaitAsync(WatchedWriter writer, string fragment, string stream)
    {
        try
        {
            await Deadline.Until(() => writer.Text.Contains(fragment, StringComparison.Ordinal), $"{stream} containing '{fragment}'");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\nstdout:\n{Out}\nstderr:\n{Error}");
        }
    }

    private sealed class ChannelReader(ChannelReader<string?> lines) : TextReader
    {
        public override async ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken)
        {
            try
            {
                return await lines.ReadAsync(cancellationToken);
            }
            catch (ChannelClosedException)
            {
                return null;
            }
        }

        public override Task<string?> ReadLineAsync() => ReadLineAsync(CancellationToken.None).AsTask();
    }

    private sealed class WatchedWriter : TextWriter
    {
        private readonly Lock _gate = new();
        private readonly StringBuilder _text = new();

        public override Encoding Encoding => Encoding.UTF8;

        public string Text
        {
            get
            {
                lock (_gate)
                {
                    return _text.ToString();
                }
            }
        }

        public override void Write(char value)
        {
            lock (_gate)
            {
                _text.Append(value);
            }
        }

        public override void Write(string? value)
        {
            lock (_gate)
            {
                _text.Append(value);
            }
        }

        public override Task WriteAsync(string? value)
        {
            Write(value);
            return Task.CompletedTask;
        }

        public override Task WriteLineAsync(string? value)
        {
            Write(value + "\n");
            return Task.CompletedTask;
        }

        public override void WriteLine(string? value) => Write(value + "\n");

        public override Task FlushAsync() => Task.CompletedTask;
    }
}
