namespace Switchboard.Tests.Shared;

/// <summary>Waiting on events with a deadline: tests never sleep to synchronise.</summary>
public static class Deadline
{
    /// <summary>Generous upper bound for anything a test waits on; a correct run takes far less.</summary>
    public static readonly TimeSpan Default = TimeSpan.FromSeconds(10);

    /// <summary>Awaits <paramref name="task"/>, failing the test if it has not completed within <paramref name="limit"/>.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan? limit = null)
    {
        var winner = await Task.WhenAny(task, Task.Delay(limit ?? Default)).ConfigureAwait(false);
        if (winner != task)
        {
            throw new TimeoutException($"did not complete within {(limit ?? Default).TotalSeconds} s");
        }
        return await task.ConfigureAwait(false);
    }

    /// <inheritdoc cref="Within{T}(Task{T}, TimeSpan?)"/>
    public static async Task Within(this Task task, TimeSpan? limit = null)
    {
        var winner = await Task.WhenAny(task, Task.Delay(limit ?? Default)).ConfigureAwait(false);
        if (winner != task)
        {
            throw new TimeoutException($"did not complete within {(limit ?? Default).TotalSeconds} s");
        }
        await task.ConfigureAwait(false);
    }

    /// <summary>Polls <paramref name="condition"/> until true, for state with no event to await (e.g. a file appearing).</summary>
    public static async Task Until(Func<bool> condition, string what, TimeSpan? limit = null)
    {
        var end = DateTime.UtcNow + (limit ?? Default);
        while (!condition())
        {
            if (DateTime.UtcNow > end)
            {
                throw new TimeoutException($"{what}: not true within {(limit ?? Default).TotalSeconds} s");
            }
            await Task.Delay(10).ConfigureAwait(false);
        }
    }
}
