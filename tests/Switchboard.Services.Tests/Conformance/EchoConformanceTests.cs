using Switchboard.Services.Echo;
using Switchboard.Services.Tests.Echo;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Conformance;

/// <summary>Echo (handout 001): a long-lived connection of length-prefixed frames, each answered in order.</summary>
public sealed class EchoConformanceTests : ServerConformanceTests
{
    protected override ProtocolFixture CreateFixture() => new EchoFixture();

    private sealed class EchoFixture : ProtocolFixture
    {
        // The handout's example, byte for byte (docs/echo-protocol.md).
        private static readonly byte[] Reply = [0, 0, 0, 0x14, .. " and seven years ago"u8];

        private EchoTestServer? _server;

        private EchoTestServer Server => _server ?? throw new InvalidOperationException("not started");

        public override int Port => Server.Port;

        public override TestLogSink Logs => Server.Logs;

        public override bool LongLived => true;

        public override byte[] ValidRequest { get; } = [0, 0, 0, 0x1E, .. "Four score and seven years ago"u8];

        public override byte[] OversizedHeader { get; } = [0xFF, 0xFF, 0xFF, 0xFF];

        public override string OversizedLogFragment => "payload_length is 4294967295, expected at most 16777216 bytes";

        public override Task StartAsync()
        {
            _server = EchoTestServer.Start(options: new EchoServerOptions { Limits = new TransportLimits { GapTimeout = Gap, RequestTimeout = TimeSpan.FromSeconds(5) } });
            return Task.CompletedTask;
        }

        public override async Task ExpectValidResponseAsync(RawTcp client) =>
            (await client.ReadExactlyAsync(Reply.Length)).ShouldBe(Reply);

        public override async ValueTask DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }
}
