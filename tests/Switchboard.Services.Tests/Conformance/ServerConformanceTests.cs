using System.Net;
using System.Net.Sockets;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Conformance;

/// <summary>
/// The cases every service's server must pass over real sockets, whatever its protocol (after SuperSocket's
/// <c>ProtocolTestBase</c>): a request one byte at a time, several in one write, a connection broken or
/// stalled in the middle of a frame, an oversized length. After each case the server must still serve a
/// fresh connection and must never have logged an internal error. A service joins by deriving a class
/// that names its <see cref="ProtocolFixture"/>.
/// </summary>
public abstract class ServerConformanceTests : IAsyncLifetime
{
    private ProtocolFixture? _fixture;

    protected ProtocolFixture Fixture => _fixture ?? throw new InvalidOperationException("the server is not started");

    /// <summary>A new, not yet started fixture for the service under test.</summary>
    protected abstract ProtocolFixture CreateFixture();

    public async ValueTask InitializeAsync()
    {
        _fixture = CreateFixture();
        await _fixture.StartAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_fixture is not null)
        {
            await _fixture.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }

    [Fact]
    public async Task A_request_sent_one_byte_at_a_time_is_answered()
    {
        await using (var client = await Fixture.ConnectAsync())
        {
            await client.SendByteByByteAsync(Fixture.ValidRequest);
            await Fixture.ExpectValidResponseAsync(client);
        }
        await StillServesAsync();
    }

    [Fact]
    public async Task Several_requests_in_one_write_are_answered_in_order_or_the_extra_bytes_refused()
    {
        const int count = 3;
        var batch = Enumerable.Repeat(Fixture.ValidRequest, count).SelectMany(r => r).ToArray();
        await using (var client = await Fixture.ConnectAsync())
        {
            await client.SendAsync(batch);
            if (Fixture.LongLived)
            {
                for (var i = 0; i < count; i++)
                {
                    await Fixture.ExpectValidResponseAsync(client);
                }
            }
            else
            {
                await Fixture.ExpectTrailingBytesRejectedAsync(client);
                await WaitForLineAsync(PeerOf(client), Fixture.TrailingBytesLogFragment);
            }
        }
        await StillServesAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_connection_broken_in_the_middle_of_a_frame_is_no_internal_error(bool reset)
    {
        await using (var client = await Fixture.ConnectAsync())
        {
            var peer = PeerOf(client);
            await client.SendAsync(FirstHalf());
            if (reset)
            {
                client.Socket.LingerState = new LingerOption(true, 0);
            }
            client.Socket.Close();
            // The handler's last line for this connection: it has finished, however it ended.
            await WaitForLineAsync(peer, $"{peer}: closed");
        }
        await StillServesAsync();
    }

    [Fact]
    public async Task A_stall_past_the_gap_in_the_middle_of_a_frame_closes_the_connection_by_the_gap_rule()
    {
        await using (var client = await Fixture.ConnectAsync())
        {
            var peer = PeerOf(client);
            await client.SendAsync(FirstHalf());
            // Nothing more is sent: the server, not the client, must end this.
            (await client.Socket.ReadUntilClosedAsync()).Received.ShouldBeEmpty("a stalled request gets no answer");
            await WaitForLineAsync(peer, "(gap rule)");
        }
        await StillServesAsync();
    }

    [Fact]
    public async Task An_oversized_length_is_refused_from_the_header_before_any_payload()
    {
        var header = Fixture.OversizedHeader;
        await using (var client = await Fixture.ConnectAsync())
        {
            var peer = PeerOf(client);
            await client.SendAsync(header);
            // Only the header was sent: a server waiting for the payload would hold the connection until the gap
            // rule, and log that instead of the refusal.
            (await client.Socket.ReadUntilClosedAsync()).Received.ShouldBeEmpty("a refused request gets no answer");
            await WaitForLineAsync(peer, Fixture.OversizedLogFragment);
        }
        await StillServesAsync();
    }

    /// <summary>The first half of <see cref="ProtocolFixture.ValidRequest"/>: at least one byte, never the whole frame.</summary>
    private byte[] FirstHalf() => Fixture.ValidRequest[..Math.Max(1, Fixture.ValidRequest.Length / 2)];

    /// <summary>The server's name for this client in its log lines: <c>127.0.0.1:PORT</c>.</summary>
    private static string PeerOf(RawTcp client) => ((IPEndPoint)client.Socket.LocalEndPoint!).ToString();

    /// <summary>Waits for a log line about <paramref name="peer"/> containing <paramref name="fragment"/>.</summary>
    private async Task WaitForLineAsync(string peer, string fragment)
    {
        try
        {
            await Deadline.Until(
                () => Fixture.Logs.Lines.Any(l => l.Contains(peer, StringComparison.Ordinal) && l.Contains(fragment, StringComparison.Ordinal)),
                $"a log line for {peer} containing '{fragment}'");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}. Lines:\n{string.Join("\n", Fixture.Logs.Lines)}", e);
        }
    }

    /// <summary>After a case: a fresh connection is served normally, and nothing was logged as an internal error.</summary>
    private async Task StillServesAsync()
    {
        await using (var client = await Fixture.ConnectAsync())
        {
            await client.SendAsync(Fixture.ValidRequest);
            await Fixture.ExpectValidResponseAsync(client);
        }
        Fixture.Logs.Lines.ShouldNotContain(
            l => l.Contains("internal error", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal),
            string.Join("\n", Fixture.Logs.Lines));
    }
}
