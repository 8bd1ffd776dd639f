using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Services.Tests.Files;

/// <summary>Sums one host's Switchboard counters by name and tags (<c>switchboard.rejects|reason=network</c>).</summary>
internal sealed class MetricTotals : IDisposable
{
    private readonly ConcurrentDictionary<string, long> _totals = new();
    private readonly MeterListener _listener = new();

    public MetricTotals(TcpServerHost host)
    {
        var factory = host.Services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's meter: other tests run their own servers in parallel.
            if (instrument.Meter.Name == SwitchboardMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Where(t => t.Key != "service").Select(t => $"|{t.Key}={t.Value}"));
            _totals.AddOrUpdate(key, value, (_, v) => v + value);
        });
        _listener.Start();
    }

    public long this[string key] => _totals.GetValueOrDefault(key);

    /// <summary>Every key with its total, for failure messages.</summary>
    public override string ToString() => string.Join(", ", _totals.OrderBy(p => p.Key).Select(p => $"{p.Key}={p.Value}"));

    public void Dispose() => _listener.Dispose();
}
