using System.Buffers.Binary;
using System.Text;
using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;
using Switchboard.Services.Tests.Chat;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Conformance;

/// <summary>
/// Chat (handout 002), participants' port: a long-lived connection of length-prefixed frames. Each client joins
/// first; the valid request is a private message to nobody, answered to the sender alone with a warning, so the
/// answer does not depend on who else is in the room.
/// </summary>
public sealed class ChatConformanceTests : ServerConformanceTests
{
    protected override ProtocolFixture CreateFixture() => new ChatFixture();

    /// <summary>
    /// The base stalls a joined participant's frame; before joining (or pairing) the choosing timer also runs,
    /// and a stall inside the username or pairing frame must still be the gap rule, not a 60 s choosing timeout.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_stall_in_the_middle_of_a_username_or_pairing_request_is_the_gap_rule(bool observer)
    {
        var server = ((ChatFixture)Fixture).Server;
        await using var client = await RawTcp.ConnectAsync(observer ? server.ObserverPort : server.Port);
        var peer = client.Socket.LocalEndPoint!.ToString()!;
        (await client.ReadExactlyAsync(10)).ShouldBe(ChatFrameCodec.Encode(ChatCodes.Accept));
        await client.SendAsync(ChatFrameCodec.Encode(observer ? "alice ABCDEF" : "alice")[..6]);
        (await client.Socket.ReadUntilClosedAsync()).Received.ShouldBeEmpty("a stalled request gets no answer");
        await Deadline.Until(() => Fixture.Logs.Lines.Any(l => l.Contains(peer, StringComparison.Ordinal) && l.Contains("(gap rule)", StringComparison.Ordinal)),
            $"a gap-rule line for {peer}");
        Fixture.Logs.Lines.ShouldNotContain(l => l.Contains("accepted within", StringComparison.Ordinal));
    }

    private sealed class ChatFixture : ProtocolFixture
    {
        private static readonly string Expected = ChatLines.UnknownRecipient("nobody");

        private ChatTestServer? _server;
        private int _joined;

        public ChatTestServer Server => _server ?? throw new InvalidOperationException("not started");

        public override int Port => Server.Port;

        public override TestLogSink Logs => Server.Logs;

        public override bool LongLived => true;

        public override byte[] ValidRequest { get; } = ChatFrameCodec.Encode("@nobody hi");

        public override byte[] OversizedHeader { get; } = [0x7F, 0xFF, 0xFF, 0xFF];

        public override string OversizedLogFragment => "datalen is 2147483647, expected at most 4000 bytes";

        public override async Task StartAsync() =>
            _server = await ChatTestServer.StartAsync(new ChatServerOptions { Limits = new TransportLimits { GapTimeout = Gap } });

        /// <summary>Connects and joins under a name of its own (a name still held by a closing connection would be refused).</summary>
        public override async Task<RawTcp> ConnectAsync()
        {
            var client = await base.ConnectAsync();
            var name = $"u{Interlocked.Increment(ref _joined)}";
            (await ReadFrameAsync(client)).ShouldBe(ChatCodes.Accept);
            await client.SendAsync(ChatFrameCodec.Encode(name));
            (await ReadFrameAsync(client)).ShouldBe(ChatCodes.UsernameAccepted);
            ChatCodes.TryParsePairingCode(await ReadFrameAsync(client), out _).ShouldBeTrue();
            (await ReadFrameAsync(client)).ShouldBe(ChatLines.Joined(name));
            return client;
        }

        /// <summary>The warning, past any joins and leaves of other conformance clients.</summary>
        public override async Task ExpectValidResponseAsync(RawTcp client)
        {
            while (true)
            {
                var line = await ReadFrameAsync(client);
                if (line.StartsWith("User ", StringComparison.Ordinal))
                {
                    continue;
                }
                line.ShouldBe(Expected);
                return;
            }
        }

        /// <summary>One frame's text; reads exactly its bytes, so nothing after it is consumed.</summary>
        private static async Task<string> ReadFrameAsync(RawTcp client)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(await client.ReadExactlyAsync(4));
            return Encoding.UTF8.GetString(await client.ReadExactlyAsync(checked((int)length)));
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
