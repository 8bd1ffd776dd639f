namespace Switchboard.Cli.Terminal;

/// <summary>
/// Standard input whose <see cref="ReadLineAsync(CancellationToken)"/> honours its token, so Ctrl+C ends a
/// client waiting at a prompt at once. <see cref="Console.In"/> cannot: its reads block a thread and ignore
/// cancellation. Here each line is read by one blocking read on a dedicated thread, started only when a line
/// is asked for; a cancelled wait leaves that read in place for the next request, so nothing typed is lost and
/// nothing is read ahead of what is asked for. The thread is a background thread, so a read still blocked when
/// the command ends does not keep the process alive.
/// </summary>
public sealed class CancellableLineReader : TextReader
{
    private readonly TextReader _source;
    private readonly Lock _lock = new();
    private Task<string?>? _pending;
    private bool _ended;

    public CancellableLineReader(TextReader source) => _source = source;

    public override ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => ReadAsync(cancellationToken);

    public override Task<string?> ReadLineAsync() => ReadAsync(CancellationToken.None).AsTask();

    /// <summary>Blocking callers would defeat the point of this reader; every caller in Switchboard reads lines asynchronously.</summary>
    public override string? ReadLine() => throw new NotSupportedException("read standard input with ReadLineAsync");

    public override int Read() => throw new NotSupportedException("read standard input with ReadLineAsync");

    public override int Peek() => throw new NotSupportedException("read standard input with ReadLineAsync");

    private async ValueTask<string?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<string?> read;
            lock (_lock)
            {
                if (_ended)
                {
                    // End of input (or a failed input) is sticky: every later read returns null.
                    return null;
                }
                read = _pending ??= Task.Factory.StartNew(
                    _source.ReadLine, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            }
            string? line;
            try
            {
                line = await read.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                lock (_lock)
                {
                    _ended = true;
                    _pending = null;
                }
                throw;
            }
            lock (_lock)
            {
                if (!ReferenceEquals(_pending, read))
                {
                    // Another caller waiting on the same read took its line; ask for the next one.
                    continue;
                }
                _pending = null;
                _ended = line is null;
            }
            return line;
        }
    }
}
