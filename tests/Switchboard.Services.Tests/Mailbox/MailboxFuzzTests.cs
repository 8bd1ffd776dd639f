using System.Net.Sockets;
using Switchboard.Protocol.Mailbox;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Mailbox;

/// <summary>
/// Hostile input (issue 10): thousands of mutated and garbage MessageRequests, sent in random pieces,
/// must each be handled as an expected rejection (or a valid request), never an internal error, and
/// the server must still serve normally afterwards.
/// More records: <c>SWITCHBOARD_FUZZ_RECORDS=20000 dotnet test tests/Switchboard.Services.Tests --filter MailboxFuzz</c>.
/// </summary>
public sealed class MailboxFuzzTests
{
    [Fact]
    public async Task Garbage_requests_never_cause_an_internal_error()
    {
        var records = int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_RECORDS"), out var n) ? n : 2000;
        await using var server = await MailboxTestServer.StartAsync(limits: new TransportLimits { GapTimeout = TimeSpan.FromSeconds(2), RequestTimeout = TimeSpan.FromSeconds(5) });
        var seed = Environment.TickCount;
        var next = -1;
        var resets = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            var random = new Random(seed + worker);
            int i;
            while ((i = Interlocked.Increment(ref next)) < records)
            {
                if (!await SendAsync(server.Port, Mutate(random), random))
                {
                    Interlocked.Increment(ref resets);
                }
            }
        }));

        TestContext.Current.TestOutputHelper?.WriteLine($"seed {seed}: {records} records, {resets} ended by reset, " +
            $"{server.Logs.Lines.Count(l => l.Contains("internal error"))} internal errors, {server.Logs.Lines.Count(l => l.Contains("rejected"))} rejections logged");
        server.Logs.Lines.ShouldNotContain(l => l.Contains("internal error") || l.StartsWith("Error", StringComparison.Ordinal), $"seed {seed}");

        await server.CreateAsync("after", "fuzz-check", "still serving");
        (await server.ReadAsync("fuzz-check")).Messages.ShouldBe([new MailboxMessage("after", "still serving")]);
    }

    /// <summary>Sends in random pieces, half-closes (so a short record fails at once, not after the gap), reads to the end.</summary>
    private static async Task<bool> SendAsync(int port, byte[] record, Random random)
    {
        try
        {
            await using var tcp = await RawTcp.ConnectAsync(port);
            for (var at = 0; at < record.Length;)
            {
                var piece = Math.Min(record.Length - at, random.Next(1, 64));
                await tcp.SendAsync(record.AsMemory(at, piece));
                at += piece;
            }
            tcp.ShutdownSend();
            return (await tcp.Socket.ReadUntilClosedAsync()).Kind == PeerCloseKind.Clean;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static byte[] Mutate(Random random)
    {
        var sender = RandomName(random);
        byte[] valid = random.Next(2) == 0
            ? MessageRequestCodec.Encode(MessageRequest.Read(sender))
            : MessageRequestCodec.Encode(MessageRequest.Create(sender, RandomName(random), new string('m', random.Next(1, 300))));
        var bytes = valid.ToList();
        switch (random.Next(8))
        {
            case 0: // pure garbage
                return RandomBytes(random, random.Next(0, 600));
            case 1: // truncated
                return valid[..random.Next(0, valid.Length)];
            case 2: // trailing bytes
                return [.. valid, .. RandomBytes(random, random.Next(1, 40))];
            case 3: // random header fields, body kept
                for (var k = 0; k < random.Next(1, 4); k++)
                {
                    bytes[random.Next(0, Math.Min(7, bytes.Count))] = (byte)random.Next(256);
                }
                return [.. bytes];
            case 4: // invalid UTF-8 somewhere in the body
                if (bytes.Count > 7)
                {
                    bytes[random.Next(7, bytes.Count)] = (byte)(0x80 + random.Next(0x40));
                    bytes[random.Next(7, bytes.Count)] = 0xFF;
                }
                return [.. bytes];
            case 5: // lengths that promise more or less than follows
                if (bytes.Count >= 7)
                {
                    bytes[random.Next(3, 7)] = (byte)random.Next(256);
                }
                return [.. bytes];
            case 6: // bit flips anywhere
                for (var k = 0; k < random.Next(1, 6); k++)
                {
                    var at = random.Next(bytes.Count);
                    bytes[at] ^= (byte)(1 << random.Next(8));
                }
                return [.. bytes];
            default: // valid: the server must still accept real requests mixed in
                return valid;
        }
    }

    private static string RandomName(Random random) => $"u{random.Next(20)}" + (random.Next(4) == 0 ? "\0☃" : string.Empty);

    private static byte[] RandomBytes(Random random, int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        if (count >= 2 && random.Next(2) == 0)
        {
            bytes[0] = 0xAE;
            bytes[1] = 0x73;
        }
        return bytes;
    }
}
