using System.Text;

namespace Switchboard.Check.Launch;

/// <summary>
/// Text a launched program printed on one stream, growing while it runs, so a case can wait for a line to
/// appear ("the server printed the caller's line") instead of sleeping and hoping.
/// </summary>
public sealed class OutputCapture
{
    /// <summary>A program printing without end is cut here rather than filling memory.</summary>
    private const int MaxChars = 1024 * 1024;

    private readonly StringBuilder _text = new();
    private readonly object _gate = new();
    private TaskCompletionSource _changed = NewSignal();
    private bool _ended;

    /// <summary>Everything printed so far.</summary>
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

    /// <summary>Reads <paramref name="reader"/> to its end (the program exited or was killed).</summary>
    public async Task PumpAsync(TextReader reader)
    {
        var buffer = new char[4096];
        try
        {
            int n;
            while ((n = await reader.ReadAsync(buffer).ConfigureAwait(false)) > 0)
            {
                Append(buffer.AsSpan(0, n));
            }
        }
        catch (IOException)
        {
            // The pipe broke as the process tree was killed: what arrived is all there is.
        }
        catch (ObjectDisposedException)
        {
            // Same, seen from a disposed process object.
        }
        finally
        {
            TaskCompletionSource signal;
            lock (_gate)
            {
                _ended = true;
                signal = _changed;
            }
            signal.TrySetResult();
        }
    }

    private void Append(ReadOnlySpan<char> chars)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (_text.Length < MaxChars)
            {
                _text.Append(chars[..Math.Min(chars.Length, MaxChars - _text.Length)]);
            }
            signal = _changed;
            _changed = NewSignal();
        }
        signal.TrySetResult();
    }

    /// <summary>
    /// Waits until <paramref name="done"/> holds for the text printed so far; false when the stream ended or
    /// <paramref name="limit"/> passed first.
    /// </summary>
    public async Task<bool> WaitForAsync(Func<string, bool> done, TimeSpan limit, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        while (true)
        {
            Task next;
            bool ended;
            string text;
            lock (_gate)
            {
                text = _text.ToString();
                next = _changed.Task;
                ended = _ended;
            }
            if (done(text))
            {
                return true;
            }
            if (ended)
            {
                return false;
            }
            try
            {
                await next.WaitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return done(Text);
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
