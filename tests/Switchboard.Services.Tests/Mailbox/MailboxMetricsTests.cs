using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Observability;

namespace Switchboard.Services.Tests.Mailbox;

public sealed class MailboxMetricsTests
{
    [Fact]
    public async Task Requests_rejects_and_connections_are_counted()
    {
        await using var server = await MailboxTestServer.StartAsync();
        var factory = server.Host.Services.GetRequiredService<IMeterFactory>();
        var totals = new ConcurrentDictionary<string, long>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            // Only this host's meter: other tests run their own servers in parallel.
            if (instrument.Meter.Name == SwitchboardMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var key = instrument.Name + string.Concat(tags.ToArray().Where(t => t.Key != "service").Select(t => $"|{t.Key}={t.Value}"));
            totals.AddOrUpdate(key, value, (_, v) => v + value);
        });
        listener.Start();

        await server.CreateAsync("al", "bob", "counted");
        await server.ReadAsync("bob");
        await using (var bad = await RawTcp.ConnectAsync(server.Port))
        {
            await bad.SendAsync(new byte[] { 0, 0 });
            await bad.ReadToEndAsync();
        }
        await server.Logs.WaitForAsync("MagicNo is 0x0000");
        await Deadline.Until(() => totals.GetValueOrDefault("switchboard.connections.active") == 0 && totals.GetValueOrDefault("switchboard.connections.accepted") == 3, "all three connections counted and closed");

        totals["switchboard.requests|kind=create"].ShouldBe(1);
        totals["switchboard.requests|kind=read"].ShouldBe(1);
        totals["switchboard.rejects|reason=bad-magic"].ShouldBe(1);
        totals["switchboard.bytes.received"].ShouldBe("counted".Length);
        totals["switchboard.bytes.sent"].ShouldBe(5 + 3 + 2 + 7);
    }
}
