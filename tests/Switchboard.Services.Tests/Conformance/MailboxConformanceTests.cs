using Switchboard.Protocol.Mailbox;
using Switchboard.Services.Tests.Mailbox;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Conformance;

/// <summary>Mailbox (handout 000): one request per connection; a create's only answer is a clean close.</summary>
public sealed class MailboxConformanceTests : ServerConformanceTests
{
    protected override ProtocolFixture CreateFixture() => new MailboxFixture();

    private sealed class MailboxFixture : ProtocolFixture
    {
        private MailboxTestServer? _server;

        private MailboxTestServer Server => _server ?? throw new InvalidOperationException("not started");

        public override int Port => Server.Port;

        public override TestLogSink Logs => Server.Logs;

        public override bool LongLived => false;

        public override byte[] ValidRequest { get; } = MessageRequestCodec.Encode(MessageRequest.Create("alice", "bob", "hello"));

        // Mailbox lengths are u8 and u16 and every value fits a create, so the length to refuse is one the record's
        // kind forbids: a read announcing a 65,535-byte message, refused from the header before any body.
        public override byte[] OversizedHeader { get; } = [0xAE, 0x73, 0x01, 0x01, 0x00, 0xFF, 0xFF];

        public override string OversizedLogFragment => "MessageLen is 65535, expected 0 for a read request";

        public override string TrailingBytesLogFragment => "more than NameLen + ReceiverLen + MessageLen announced";

        public override async Task StartAsync() =>
            _server = await MailboxTestServer.StartAsync(limits: new TransportLimits { GapTimeout = Gap, RequestTimeout = TimeSpan.FromSeconds(5) });

        public override async Task ExpectValidResponseAsync(RawTcp client)
        {
            var (received, kind) = await client.Socket.ReadUntilClosedAsync();
            received.ShouldBeEmpty("a create request gets no response");
            kind.ShouldBe(PeerCloseKind.Clean, "a clean close acknowledges the stored message");
        }

        public override async Task ExpectTrailingBytesRejectedAsync(RawTcp client)
        {
            var (received, kind) = await client.Socket.ReadUntilClosedAsync();
            received.ShouldBeEmpty();
            kind.ShouldBe(PeerCloseKind.Reset, "a rejected create must never look stored");
        }

        public override async ValueTask DisposeAsync()
        {
            if (_server is not null)
            {
                await _server.DisposeAsync();
            }
        }
    }
}
