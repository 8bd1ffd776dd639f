using Switchboard.Protocol.Files;
using Switchboard.Services.Tests.Files;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Conformance;

/// <summary>Files (handout 004): one FileRequest per connection, answered with the file and a close.</summary>
public sealed class FilesConformanceTests : ServerConformanceTests
{
    protected override ProtocolFixture CreateFixture() => new FilesFixture();

    private sealed class FilesFixture : ProtocolFixture
    {
        private static readonly byte[] Content = "hi\n"u8.ToArray();

        private FilesServerFixture? _server;

        private FilesServerFixture Server => _server ?? throw new InvalidOperationException("not started");

        public override int Port => Server.Port;

        public override TestLogSink Logs => Server.Logs;

        public override bool LongLived => false;

        public override byte[] ValidRequest { get; } = FileRequestCodec.Encode(FileRequest.For("a.txt"));

        /// <summary>FilenameLen 2000, over the 1,024 the server accepts.</summary>
        public override byte[] OversizedHeader { get; } = [0x49, 0x7E, 0x01, 0x07, 0xD0];

        public override string OversizedLogFragment => "FilenameLen is 2000, expected 1-1024";

        public override string TrailingBytesLogFragment => "bytes followed the name";

        public override async Task StartAsync()
        {
            _server = await FilesServerFixture.StartAsync(gap: Gap, requestTimeout: TimeSpan.FromSeconds(5));
            _server.Write("a.txt", Content);
        }

        public override async Task ExpectValidResponseAsync(RawTcp client)
        {
            var (received, kind) = await client.Socket.ReadUntilClosedAsync();
            new FilesServerFixture.Response(received).ShouldCarry(Content);
            kind.ShouldBe(PeerCloseKind.Clean, "the server closes after the file's last byte");
        }

        public override async Task ExpectTrailingBytesRejectedAsync(RawTcp client)
        {
            var (received, _) = await client.Socket.ReadUntilClosedAsync();
            received.ShouldBeEmpty("an invalid request is closed with nothing sent");
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
