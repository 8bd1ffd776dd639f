namespace Switchboard.Transport.Outgoing;

/// <summary>What happened to a frame handed to <see cref="OutgoingQueue.TryEnqueue"/>.</summary>
public enum EnqueueResult
{
    /// <summary>Queued; the writer loop sends it in order.</summary>
    Queued,

    /// <summary>Refused: the queue would exceed its byte bound. The peer is not keeping up; the caller disconnects it.</summary>
    Full,

    /// <summary>Refused: the queue was completed or its connection has failed; nothing more is sent.</summary>
    Closed,
}
