using System.Diagnostics;
using System.Diagnostics.Metrics;
using Switchboard.Transport.Observability;

namespace Switchboard.Services.Chat;

/// <summary>
/// Chat's own instruments on the shared <see cref="SwitchboardMetrics.MeterName"/> meter: who is in the room, and
/// messages in, deliveries out and drops (queue overflows are counted by the outgoing queues themselves).
/// </summary>
public sealed class ChatMetrics
{
    private readonly Counter<long> _messagesIn;
    private readonly Counter<long> _delivered;
    private readonly Counter<long> _dropped;
    private int _participants;
    private int _observers;

    public ChatMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(SwitchboardMetrics.MeterName);
        meter.CreateObservableGauge("switchboard.chat.participants", () => Volatile.Read(ref _participants), "{participant}", "Active chat participants");
        meter.CreateObservableGauge("switchboard.chat.observers", () => Volatile.Read(ref _observers), "{observer}", "Paired chat observers");
        _messagesIn = meter.CreateCounter<long>("switchboard.chat.messages.in", "{message}", "Messages received from participants, by kind");
        _delivered = meter.CreateCounter<long>("switchboard.chat.messages.out", "{frame}", "Frames queued to clients");
        _dropped = meter.CreateCounter<long>("switchboard.chat.messages.dropped", "{message}", "Messages not delivered, by reason");
    }

    public int Participants => Volatile.Read(ref _participants);

    public int Observers => Volatile.Read(ref _observers);

    internal void SetPopulation(int participants, int observers)
    {
        Volatile.Write(ref _participants, participants);
        Volatile.Write(ref _observers, observers);
    }

    internal void MessageIn(string kind) => _messagesIn.Add(1, new KeyValuePair<string, object?>("kind", kind));

    internal void Delivered(int frames) => _delivered.Add(frames);

    internal void Dropped(string reason) => _dropped.Add(1, new TagList { { "reason", reason } });
}
