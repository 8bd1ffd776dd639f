using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Switchboard.Transport.Observability;

/// <summary>
/// The counters every service publishes, on the meter <see cref="MeterName"/>, tagged with the service name.
/// Read them live with <c>dotnet-counters monitor -n switchboard --counters Switchboard</c>.
/// </summary>
public sealed class SwitchboardMetrics
{
    public const string MeterName = "Switchboard";

    private readonly Counter<long> _accepted;
    private readonly UpDownCounter<long> _active;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _bytesReceived;
    private readonly Counter<long> _bytesSent;
    private readonly Counter<long> _rejects;
    private readonly UpDownCounter<long> _outgoingQueued;
    private readonly Counter<long> _outgoingOverflows;

    public SwitchboardMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _accepted = meter.CreateCounter<long>("switchboard.connections.accepted", "{connection}", "Connections accepted");
        _active = meter.CreateUpDownCounter<long>("switchboard.connections.active", "{connection}", "Connections open now");
        _requests = meter.CreateCounter<long>("switchboard.requests", "{request}", "Requests completed, by kind");
        _bytesReceived = meter.CreateCounter<long>("switchboard.bytes.received", "By", "Payload bytes received");
        _bytesSent = meter.CreateCounter<long>("switchboard.bytes.sent", "By", "Payload bytes sent");
        _rejects = meter.CreateCounter<long>("switchboard.rejects", "{connection}", "Exchanges rejected, by reason");
        _outgoingQueued = meter.CreateUpDownCounter<long>("switchboard.outgoing.queued", "By", "Bytes waiting in outgoing queues");
        _outgoingOverflows = meter.CreateCounter<long>("switchboard.outgoing.overflows", "{frame}", "Frames refused because a peer's outgoing queue was full");
    }

    public void ConnectionOpened(string service)
    {
        _accepted.Add(1, new KeyValuePair<string, object?>("service", service));
        _active.Add(1, new KeyValuePair<string, object?>("service", service));
    }

    public void ConnectionClosed(string service) => _active.Add(-1, new KeyValuePair<string, object?>("service", service));

    public void Request(string service, string kind) =>
        _requests.Add(1, new TagList { { "service", service }, { "kind", kind } });

    public void BytesReceived(string service, long count) => _bytesReceived.Add(count, new KeyValuePair<string, object?>("service", service));

    public void BytesSent(string service, long count) => _bytesSent.Add(count, new KeyValuePair<string, object?>("service", service));

    public void Reject(string service, string reason) =>
        _rejects.Add(1, new TagList { { "service", service }, { "reason", reason } });

    public void OutgoingQueued(string service, long bytes) => _outgoingQueued.Add(bytes, new KeyValuePair<string, object?>("service", service));

    public void OutgoingOverflow(string service) => _outgoingOverflows.Add(1, new KeyValuePair<string, object?>("service", service));
}
