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
        ArgumentNullException.ThrowIfNull(queueOf);
        var queued = 0;
        foreach (var target in targets)
        {
            switch (queueOf(target).TryEnqueue(frame))
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
