using System.Collections.Concurrent;

namespace Switchboard.Check.Launch;

/// <summary>
/// Things the cases of one run share (a server launched once for the whole run). One instance per run, carried in
/// every case's context; the runner disposes it when the run ends, which disposes every value that is
/// <see cref="IAsyncDisposable"/> (killing launched servers).
/// </summary>
public sealed class RunState : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, object> _values = new(StringComparer.Ordinal);

    /// <summary>The value stored under <paramref name="key"/>, made by <paramref name="factory"/> on first use.</summary>
    public T GetOrAdd<T>(string key, Func<T> factory)
        where T : class =>
        (T)_values.GetOrAdd(key, _ => factory());

    public async ValueTask DisposeAsync()
    {
        foreach (var key in _values.Keys.ToList())
        {
            if (_values.TryRemove(key, out var value) && value is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
