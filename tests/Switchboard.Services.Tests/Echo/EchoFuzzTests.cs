using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Switchboard.Protocol.Echo;
using Switchboard.Services.Echo;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Echo;

/// <summary>
/// Hostile input against a real server: random, mutated and truncated frames, sent in random pieces. Nothing may
/// be logged as an internal error, and the server must still answer afterwards. Set SWITCHBOARD_FUZZ_RECORDS (e.g. 20000)
/// for a longer run; the count of internal errors is written to the test output.
/// </summary>
public sealed class EchoFuzzTests(ITestOutputHelper output)
{
    private const int MaxPayload = 100_000;

    [Fact]
    public async Task Thousands_of_garbage_records_cause_no_internal_error_and_the_server_still_answers()
    {
        var records = int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_RECORDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 2000;
        await using var server = EchoTestServer.Start(options: new EchoServerOptions
        {
            MaxPayloadBytes = MaxPayload,
            Limits = new() { GapTimeout = TimeSpan.FromMilliseconds(300), RequestTimeout = TimeSpan.FromSeconds(2) },
        });
        var random = new Random(20_000);
        var connections = new List<byte[][]>();
        for (var sent = 0; sent < records;)
        {
            var count = Math.Min(random.Next(1, 6), records - sent);
            connections.Add(Enumerable.Range(0, count).Select(_ => Record(random)).ToArray());
            sent += count;
        }

        var seeds = connections.Select((_, i) => i).ToArray();
        await Parallel.ForEachAsync(seeds, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, _) =>
            await SendAsync(server.Port, connections[i], new Random(i)));

        var internalErrors = server.Logs.Lines.Count(l => l.Contains("internal error", StringComparison.Ordinal) || l.StartsWith("Error", StringComparison.Ordinal) || l.StartsWith("Critical", StringComparison.Ordinal));
        output.WriteLine($"{records} records on {connections.Count} connections: {internalErrors} internal errors; {server.Logs.Lines.Count(l => l.Contains("rejected:", StringComparison.Ordinal))} rejects");
        internalErrors.ShouldBe(0, string.Join("\n", server.Logs.Lines.Where(l => l.Contains("internal", StringComparison.Ordinal)).Take(5)));

        using var client = server.Connect();
        await client.SendMessageAsync("still answering after the fuzz");
        (await client.ReceiveMessageAsync().Within()).ShouldBe(("still answering after the fuzz"[10..], true));
        await Deadline.Until(() => server.Server.ActiveConnections == 1, "every fuzz connection closed");
    }

    private static async Task SendAsync(int port, byte[][] records, Random random)
    {
        await using var peer = await RawTcp.ConnectAsync(port);
        var bytes = records.SelectMany(r => r).ToArray();
        try
        {
            for (var at = 0; at < bytes.Length;)
            {
                var piece = Math.Min(random.Next(1, 4096), bytes.Length - at);
                await peer.SendAsync(bytes.AsMemory(at, piece));
                at += piece;
            }
            peer.ShutdownSend();
        }
        catch (SocketException)
        {
            // The server closed on a bad record while the rest was still being sent: expected.
        }
        await peer.ReadToEndAsync();
    }

    /// <summary>One record: valid, mutated, lying about its length, invalid UTF-8, truncated, or plain garbage.</summary>
    private static byte[] Record(Random random)
    {
        var valid = EchoFrameCodec.Encode(Text(random));
        switch (random.Next(8))
        {
            case 0:
            case 1:
                return valid;
            case 2: // a byte flipped somewhere
                var flipped = (byte[])valid.Clone();
                flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                return flipped;
            case 3: // huge or over-limit length prefix
                var huge = (uint)random.NextInt64(MaxPayload + 1, uint.MaxValue + 1L);
                return [(byte)(huge >> 24), (byte)(huge >> 16), (byte)(huge >> 8), (byte)huge, .. FuzzPeer.RandomBytes(random, random.Next(0, 16))];
            case 4: // invalid UTF-8 with a correct length
                var bad = FuzzPeer.RandomBytes(random, random.Next(1, 64));
                bad[random.Next(bad.Length)] = (byte)random.Next(0x80, 0x100);
                return [0, 0, (byte)(bad.Length >> 8), (byte)bad.Length, .. bad];
            case 5: // truncated
                return valid[..random.Next(valid.Length)];
            case 6: // a length that lies about the bytes that follow
                var lie = (byte[])valid.Clone();
                lie[3] = (byte)random.Next(256);
                return lie;
            default:
                return FuzzPeer.RandomBytes(random, random.Next(1, 32));
        }
    }

    private static string Text(Random random)
    {
        var text = new StringBuilder();
        var length = random.Next(0, random.Next(2) == 0 ? 20 : 3000);
        for (var i = 0; i < length; i++)
        {
            var rune = random.Next(4) switch
            {
                0 => new Rune(random.Next(0x20, 0x7F)),
                1 => new Rune(random.Next(0xA0, 0x800)),
                2 => new Rune(random.Next(0x1F600, 0x1F650)),
                _ => new Rune(random.Next(0x3000, 0xD7FF)),
            };
            text.Append(rune.ToString());
        }
        return text.ToString();
    }
}
