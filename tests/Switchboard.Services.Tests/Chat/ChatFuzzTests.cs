using System.Net.Sockets;
using System.Text;
using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Chat;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Tests.Chat;

/// <summary>
/// Hostile input (issue 10): thousands of random, mutated and truncated frames, sent in random pieces on both the
/// participant and the observer port, before and after a username (or pairing) is chosen. Nothing may be logged as
/// an internal error, and afterwards a fresh participant must join and have a public message delivered.
/// More records: <c>SWITCHBOARD_FUZZ_RECORDS=20000 dotnet test tests/Switchboard.Services.Tests --filter ChatFuzz</c>;
/// replay a run with <c>SWITCHBOARD_FUZZ_SEED</c>.
/// </summary>
public sealed class ChatFuzzTests(ITestOutputHelper output)
{
    private static int Records => int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_RECORDS"), out var n) && n > 0 ? n : 3000;

    [Fact]
    public async Task Garbage_frames_on_both_ports_cause_no_internal_error_and_the_room_still_works()
    {
        await using var server = await ChatTestServer.StartAsync(new ChatServerOptions
        {
            Limits = new TransportLimits { GapTimeout = TimeSpan.FromSeconds(2) },
            UsernameTimeout = TimeSpan.FromSeconds(5),
        });
        // A participant that stays the whole run, so that observers can pair for real and hear the fuzzers talk.
        await using var anchor = await server.JoinAsync("anchor");
        var draining = DrainAsync(anchor);

        var seed = int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_SEED"), out var s) ? s : Environment.TickCount;
        var records = Records;
        var next = -1;
        var connections = 0;
        var resets = 0;
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async worker =>
        {
            var random = new Random(seed + worker);
            while (Interlocked.Increment(ref next) < records)
            {
                // Each connection carries one to eight records; the surplus increments only shorten the run.
                var count = random.Next(1, 9);
                Interlocked.Add(ref next, count - 1);
                Interlocked.Increment(ref connections);
                var observer = random.Next(3) == 0;
                var frames = observer ? ObserverFrames(random, anchor, count) : ParticipantFrames(random, count);
                if (!await FuzzPeer.SendAsync(observer ? server.ObserverPort : server.Port, [.. frames.SelectMany(f => f)], random, resetOneIn: 10))
                {
                    Interlocked.Increment(ref resets);
                }
            }
        })).Within(TimeSpan.FromMinutes(10));
        await Deadline.Until(() => server.Server.Room.ActiveParticipants == 1 && server.Server.Room.PairedObservers == 0, "every fuzz participant and observer gone", TimeSpan.FromSeconds(30));

        var internalErrors = server.Logs.Lines.Count(IsInternalError);
        output.WriteLine($"seed {seed}: {records} records on {connections} connections, {resets} ended by a reset (ours or the server's); " +
            $"{internalErrors} internal errors, {server.Logs.Lines.Count(l => l.Contains("rejected", StringComparison.Ordinal))} rejections logged");
        internalErrors.ShouldBe(0, $"seed {seed}:\n" + string.Join("\n", server.Logs.Lines.Where(IsInternalError).Take(5)));

        await using var alice = await server.JoinAsync("alice");
        await using var bob = await server.JoinAsync("bob");
        await alice.SendAsync("still chatting after the fuzz");
        await bob.ReceiveUntilAsync(">      alice: still chatting after the fuzz");
        await alice.ReceiveUntilAsync(">      alice: still chatting after the fuzz");
        anchor.Socket.Shutdown(SocketShutdown.Both);
        await draining;
    }

    internal static bool IsInternalError(string line) =>
        line.Contains("internal error", StringComparison.Ordinal) || line.StartsWith("Error", StringComparison.Ordinal) || line.StartsWith("Critical", StringComparison.Ordinal);

    /// <summary>Reads and drops whatever the anchor is sent, so it is never cut off as a slow reader.</summary>
    private static async Task DrainAsync(ChatPeer peer)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await peer.Socket.ReceiveAsync(buffer, SocketFlags.None) > 0)
            {
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }
    /// <summary>Frames on the participant port: garbage before a name, sometimes a valid name, then garbage as messages.</summary>
    private static IEnumerable<byte[]> ParticipantFrames(Random random, int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return random.Next(4) switch
            {
                0 => ChatFrameCodec.Encode(Name(random)),
                _ => Mutated(random, Message(random)),
            };
        }
    }

    /// <summary>Frames on the observer port: pairing requests (good, bad, mutated) and then garbage.</summary>
    private static IEnumerable<byte[]> ObserverFrames(Random random, ChatPeer anchor, int count)
    {
        for (var i = 0; i < count; i++)
        {
            yield return random.Next(4) switch
            {
                0 => ChatFrameCodec.Encode($"{(random.Next(2) == 0 ? "ANCHOR" : "anchor")} {anchor.Code}"),
                1 => ChatFrameCodec.Encode($"{Name(random)} {anchor.Code}"),
                _ => Mutated(random, random.Next(2) == 0 ? $"anchor {Text(random, 8)}" : Message(random)),
            };
        }
    }

    /// <summary>One frame: valid, lying about its length (huge, zero, off by some), invalid UTF-8, truncated, or garbage.</summary>
    private static byte[] Mutated(Random random, string text)
    {
        var valid = ChatFrameCodec.Encode(text);
        switch (random.Next(10))
        {
            case 0:
            case 1:
            case 2:
                return valid;
            case 3: // a length over the limit, up to the largest u32
                var huge = (uint)random.NextInt64(ChatWire.MaxClientDataBytes + 1, uint.MaxValue + 1L);
                return [(byte)(huge >> 24), (byte)(huge >> 16), (byte)(huge >> 8), (byte)huge, .. FuzzPeer.RandomBytes(random, random.Next(0, 16))];
            case 4: // zero length, then the text as if it were the next frame's header
                return [0, 0, 0, 0, .. valid[4..]];
            case 5: // invalid UTF-8 with a correct length
                var bad = Encoding.UTF8.GetBytes(text + "x");
                bad[random.Next(bad.Length)] = (byte)random.Next(0x80, 0x100);
                if (random.Next(2) == 0)
                {
                    bad[random.Next(bad.Length)] = 0xFF;
                }
                return [0, 0, (byte)(bad.Length >> 8), (byte)bad.Length, .. bad];
            case 6: // truncated
                return valid[..random.Next(valid.Length)];
            case 7: // a length that lies about the bytes that follow
                var lie = (byte[])valid.Clone();
                lie[random.Next(2, 4)] = (byte)random.Next(256);
                return lie;
            case 8: // bit flips anywhere
                var flipped = (byte[])valid.Clone();
                for (var k = random.Next(1, 4); k > 0; k--)
                {
                    flipped[random.Next(flipped.Length)] ^= (byte)(1 << random.Next(8));
                }
                return flipped;
            default:
                return FuzzPeer.RandomBytes(random, random.Next(1, 40));
        }
    }

    private static string Name(Random random) => random.Next(6) switch
    {
        0 => string.Empty,
        1 => "a b",
        2 => "anchor",
        3 => "x\u200Bz",
        4 => Text(random, random.Next(1, 14)),
        _ => $"u{random.Next(100_000)}",
    };

    private static string Message(Random random) => random.Next(8) switch
    {
        0 => "/who",
        1 => "@anchor psst",
        2 => $"@{Text(random, 5)}",
        3 => string.Empty,
        4 => new string('m', random.Next(990, 1010)),
        _ => Text(random, random.Next(0, 60)),
    };

    private static string Text(Random random, int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var rune = random.Next(6) switch
            {
                0 => new Rune(random.Next(0x00, 0x20)),
                1 => new Rune(random.Next(0xA0, 0x800)),
                2 => new Rune(random.Next(0x1F600, 0x1F650)),
                3 => new Rune(random.Next(0x2000, 0x2030)),
                _ => new Rune(random.Next(0x20, 0x7F)),
            };
            text.Append(rune.ToString());
        }
        return text.ToString();
    }

}
