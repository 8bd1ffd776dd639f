using System.Text;

namespace Switchboard.Tests.Shared.Talk;

/// <summary>
/// A thread-safe stdout/stderr stand-in that tests can await: each completed line is recorded, and
/// waits end as soon as the expected line appears (never a sleep).
/// </summary>
public sealed class CapturedOutput : TextWriter
{
    private readonly Lock _lock = new();
    private readonly StringBuilder _all = new();
    private readonly StringBuilder _current = new();
    private readonly List<string> _lines = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _cursor;

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Every completed line so far.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>Everything written, including a line still being written (a prompt).</summary>
    public string Text
    {
        get
        {
            lock (_lock)
            {
                return _all.ToString();
            }
        }
    }

    public override void Write(char value)
    {
        lock (_lock)
        {
            _all.Append(value);
            if (value == '\n')
            {
                _lines.Add(_current.ToString());
                _current.Clear();
                _changed.TrySetResult();
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
            else
            {
                _current.Append(value);
            }
        }
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? string.Empty)
        {
            Write(c);
        }
    }

    public override Task WriteAsync(string? value)
    {
        Write(value);
        return Task.CompletedTask;
    }

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override Task FlushAsync() => Task.CompletedTask;

    /// <summary>The next line not yet returned by this method, waiting for it if needed.</summary>
    public async Task<string> NextLineAsync(TimeSpan? limit = null)
    {
        var end = DateTime.UtcNow + (limit ?? Deadline.Default);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_cursor < _lines.Count)
                {
                    return _lines[_cursor++];
                }
                changed = _changed.Task;
            }
            await Wait(changed, end, $"no further line after: [{string.Join(" | ", Lines)}]");
        }
    }

    /// <summary>Waits until some line contains <paramref name="fragment"/>; returns that line.</summary>
    public async Task<string> WaitForAsync(string fragment, TimeSpan? limit = null)
    {
        var end = DateTime.UtcNow + (limit ?? Deadline.Default);
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                var hit = _lines.FirstOrDefault(l => l.Contains(fragment, StringComparison.Ordinal));
                if (hit is not null)
                {
                    return hit;
                }
                changed = _changed.Task;
            }
            await Wait(changed, end, $"no line containing '{fragment}' in: [{string.Join(" | ", Lines)}]");
        }
    }

    /// <summary>How many lines contain <paramref name="fragment"/>.</summary>
    public int Count(string fragment) => Lines.Count(l => l.Contains(fragment, StringComparison.Ordinal));

    private static async Task Wait(Task changed, DateTime end, string failure)
    {
        var left = end - DateTime.UtcNow;
        if (left <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(left)) != changed)
        {
            throw new TimeoutException(failure);
        }
    }
}
