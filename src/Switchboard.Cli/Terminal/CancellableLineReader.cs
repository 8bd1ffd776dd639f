using System.Threading.Channels;

namespace Switchboard.Cli.Terminal;

/// <summary>
/// Standard input whose <see cref="ReadLineAsync(CancellationToken)"/> honours its token, so Ctrl+C ends a
/// client waiting at a prompt at once. <see cref="Console.In"/> cannot: its reads block a thread and ignore
/// cancellation. Here one background thread does the blocking reads, one line per request, and hands each
/// line over through a channel; a cancelled wait leaves its line there for the next read, so nothing typed
/// is lost, and nothing is read ahead of what is asked for. The thread is a background thread, so a read
/// still blocked when the command ends does not keep the process alive.
/// </summary>
public sealed class CancellableLineReader : TextReader
{
    private readonly TextReader _source;
    private readonly Channel<LineOrFailure> _lines = Channel.CreateUnbounded<LineOrFailure>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly SemaphoreSlim _wanted = new(0);
    private readonly Lock _lock = new();
    private Thread? _thread;
    private bool _requested;

    public CancellableLineReader(TextReader source) => _source = source;

    public override ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => ReadAsync(cancellationToken);

    public override Task<string?> ReadLineAsync() => ReadAsync(CancellationToken.None).AsTask();

    /// <summary>Blocking callers would defeat the point of this reader; every caller in Switchboard reads lines asynchronously.</summary>
    public override string? ReadLine() => throw new NotSupportedException("read standard input with ReadLineAsync");

    public override int Read() => throw new NotSupportedException("read standard input with ReadLineAsync");

    public override int Peek() => throw new NotSupportedException("read standard input with ReadLineAsync");

    private async ValueTask<string?> ReadAsync(CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_requested)
            {
                _requested = true;
                _thread ??= StartThread();
                _wanted.Release();
            }
        }
        LineOrFailure next;
        try
        {
            next = await _lines.Reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            return null;
        }
        lock (_lock)
        {
            _requested = false;
        }
        return next.Failure is { } failure ? throw failure : next.Line;
    }

    private Thread StartThread()
    {
        var thread = new Thread(ReadLoop) { IsBackground = true, Name = "stdin lines" };
        thread.Start();
        return thread;
    }

    private void ReadLoop()
    {
        while (true)
        {
            // This thread exists to block: Console.In has no read that honours cancellation. It waits until a
            // line is wanted, so it never reads ahead of the caller and steals input from another reader.
            _wanted.Wait();
            string? line;
            try
            {
                line = _source.ReadLine();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                _lines.Writer.TryWrite(new LineOrFailure(null, e));
                _lines.Writer.TryComplete();
                return;
            }
            if (line is null)
            {
                // End of input is sticky: every later read returns null.
                _lines.Writer.TryComplete();
                return;
            }
            _lines.Writer.TryWrite(new LineOrFailure(line, null));
        }
    }

    private readonly record struct LineOrFailure(string? Line, Exception? Failure);
}
