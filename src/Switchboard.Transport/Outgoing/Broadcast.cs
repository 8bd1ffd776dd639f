namespace Switchboard.Transport.Outgoing;

/// <summary>
/// Sends one already-encoded frame to many peers without awaiting any of them: the frame's bytes are shared,
/// each peer's <see cref="OutgoingQueue"/> takes a reference, and a peer whose queue is full is reported to
/// <c>onFull</c> (which disconnects it) while everyone else is served on time.
/// </summary>
public static class Broadcast
{
    /// <summary>Offers <paramref name="frame"/> to every target; returns how many queued it.</summary>
    /// <param name="queueOf">The target's queue.</param>
    /// <param name="onFull">Called for each target that could not take the frame because it is too far behind.</param>
    public static int Send<TTarget>(ReadOnlyMemory<byte> frame, IEnumerable<TTarget> targets, Func<TTarget, OutgoingQueue> queueOf, Action<TTarget>? onFull = null)
    {
        ArgumentNullException.ThrowIfNull(targets);
        return targets switch
        {
            TTarget[] array => Send(frame, (ReadOnlySpan<TTarget>)array, queueOf, onFull),
            List<TTarget> list => Send(frame, (ReadOnlySpan<TTarget>)System.Runtime.InteropServices.CollectionsMarshal.AsSpan(list), queueOf, onFull),
            _ => Send(frame, (ReadOnlySpan<TTarget>)targets.ToArray(), queueOf, onFull),
        };
    }

    /// <summary>
    /// <see cref="Send{TTarget}(ReadOnlyMemory{byte}, IEnumerable{TTarget}, Func{TTarget, OutgoingQueue}, Action{TTarget}?)"/>
    /// over a span: the hot path of a room's broadcast (no enumerator, no interface call per target). The span must not
    /// change while this runs (a room calls it under its lock).
    /// </summary>
    public static int Send<TTarget>(ReadOnlyMemory<byte> frame, ReadOnlySpan<TTarget> targets, Func<TTarget, OutgoingQueue> queueOf, Action<TTarget>? onFull = null) =>
        Send(frame, targets, queueOf, onFull, null);

    /// <summary>
    /// As <see cref="Send{TTarget}(ReadOnlyMemory{byte}, ReadOnlySpan{TTarget}, Func{TTarget, OutgoingQueue}, Action{TTarget}?)"/>,
    /// leaving the writers it wakes to <paramref name="due"/> (see <see cref="OutgoingQueue.TryEnqueue"/>).
    /// </summary>
    public static int Send<TTarget>(ReadOnlyMemory<byte> frame, ReadOnlySpan<TTarget> targets, Func<TTarget, OutgoingQueue> queueOf, Action<TTarget>? onFull, DueWriters? due)
    {
        ArgumentNullException.ThrowIfNull(queueOf);
        var queued = 0;
        foreach (var target in targets)
        {
            switch (queueOf(target).TryEnqueue(frame, due))
            {
                case EnqueueResult.Queued:
                    queued++;
                    break;
                case EnqueueResult.Full:
                    onFull?.Invoke(target);
                    break;
                case EnqueueResult.Closed:
                    // Leaving already: its own connection handler cleans up.
                    break;
            }
        }
        return queued;
    }
}
