using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchboard.Tests.Shared;

namespace Switchboard.Services.Tests.Files;

/// <summary>
/// Hostile input in the suite: thousands of mutated and garbage FileRequests against a real server. None may
/// cause an internal error, and the server must still serve a normal download afterwards. Set
/// <c>SWITCHBOARD_FUZZ_RECORDS</c> for a longer run (the default keeps the suite fast).
/// </summary>
[Collection(LoadCollection.Name)]
public sealed class FilesServerFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Names =
    [
        "a.txt", "sub/b.bin", "missing.txt", "../secret.txt", "sub/../../secret.txt", "/etc/passwd", "sub", ".", "..",
        "a.txt\0.png", "é.txt", "sub\\..\\..\\secret.txt", "%2e%2e/secret.txt", "sub//b.bin", "./a.txt", new string('x', 1024),
    ];

    private static int Records => int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_FUZZ_RECORDS"), out var n) && n > 0 ? n : 3000;

    [Fact]
    public async Task Mutated_and_garbage_requests_cause_no_internal_error_and_the_server_still_serves()
    {
        await using var server = await FilesServerFixture.StartAsync(gap: TimeSpan.FromMilliseconds(200), requestTimeout: TimeSpan.FromSeconds(1));
        using var metrics = new MetricTotals(server.Host);
        server.Write("a.txt", "hello"u8.ToArray());
        server.Write("é.txt", "accent"u8.ToArray());
        server.Write("sub/b.bin", new byte[100_000]);
        var seed = Environment.TickCount;
        var records = Records;
        output.WriteLine($"seed {seed}, {records} records");

        await Parallel.ForEachAsync(Enumerable.Range(0, records), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var random = new Random(seed + i);
            await SendAsync(server.Port, Mutate(random), random, ct);
        }).Within(TimeSpan.FromMinutes(10));
        await Deadline.Until(() => metrics["switchboard.connections.accepted"] == records && metrics["switchboard.connections.active"] == 0,
            "every fuzzed connection closed by the server", TimeSpan.FromSeconds(30));

        var internalErrors = metrics["switchboard.rejects|reason=internal"];
        output.WriteLine($"{records} fuzzed FileRequests: {internalErrors} internal errors, {server.Errors.Length} error lines; {metrics}");
        server.Errors.ShouldBeEmpty();
        internalErrors.ShouldBe(0);
        (await server.RequestAsync("a.txt")).ShouldCarry("hello"u8.ToArray());
    }

    /// <summary>One hostile request: a valid one bent in one or two ways, or plain garbage.</summary>
    private static byte[] Mutate(Random random)
    {
        var bytes = Request(Encoding.UTF8.GetBytes(Names[random.Next(Names.Length)]));
        var mutations = random.Next(1, 3);
        for (var m = 0; m < mutations; m++)
        {
            bytes = random.Next(11) switch
            {
                0 => bytes,
                1 => RandomBytes(random, random.Next(0, 64)),
                2 => FlipHeader(random, bytes),
                3 => WithLength(bytes, random.Next(4) switch { 0 => 0, 1 => 1025, 2 => 65535, _ => random.Next(0, 65536) }),
                4 => bytes[..random.Next(0, bytes.Length + 1)],
                5 => Request(RandomBytes(random, random.Next(1, 40), 0x80)),
                6 => Request(Encoding.UTF8.GetBytes(RandomPath(random))),
                7 => [.. bytes, .. RandomBytes(random, random.Next(1, 20))],
                8 => RandomBytes(random, random.Next(2_000, 70_000)),
                9 => WithLength(bytes, Math.Min(65535, Length(bytes) + random.Next(1, 50))),
                _ => WithLength(bytes, Math.Max(0, Length(bytes) - random.Next(1, 5))),
            };
        }
        return bytes;
    }

    private static byte[] Request(byte[] name) => [0x49, 0x7E, 0x01, (byte)(name.Length >> 8), (byte)name.Length, .. name];

    private static int Length(byte[] request) => request.Length >= 5 ? request[3] << 8 | request[4] : 0;

    private static byte[] WithLength(byte[] request, int length)
    {
        if (request.Length < 5)
        {
            return request;
        }
        var copy = request.ToArray();
        copy[3] = (byte)(length >> 8);
        copy[4] = (byte)length;
        return copy;
    }

    private static byte[] FlipHeader(Random random, byte[] request)
    {
        var copy = request.ToArray();
        for (var i = random.Next(1, 4); i > 0 && copy.Length > 0; i--)
        {
            copy[random.Next(Math.Min(5, copy.Length))] = (byte)random.Next(256);
        }
        return copy;
    }

    private static byte[] RandomBytes(Random random, int count, int min = 0)
    {
        var bytes = new byte[count];
        for (var i = 0; i < count; i++)
        {
            bytes[i] = (byte)random.Next(min, 256);
        }
        return bytes;
    }

    private static string RandomPath(Random random)
    {
        string[] parts = ["..", ".", "", "sub", "a.txt", "\0", "/", "\\", "é", "\uFFFD", "%2e", "b.bin", "con", "\u202E"];
        var path = new StringBuilder();
        for (var i = random.Next(1, 8); i > 0; i--)
        {
            path.Append(parts[random.Next(parts.Length)]).Append(random.Next(3) == 0 ? '\\' : '/');
        }
        return path.ToString().TrimEnd('/');
    }

    /// <summary>Sends in random pieces, then ends one of three ways: half-close and read, read until the server gives up, or reset.</summary>
    private static async Task SendAsync(int port, byte[] request, Random random, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        try
        {
            for (var sent = 0; sent < request.Length;)
            {
                var piece = Math.Min(request.Length - sent, random.Next(1, Math.Max(2, request.Length / 2 + 1)));
                sent += await socket.SendAsync(request.AsMemory(sent, piece), cancellationToken);
            }
            var ending = random.Next(20);
            if (ending == 0)
            {
                socket.LingerState = new LingerOption(true, 0);
                return;
            }
            if (ending > 1)
            {
                socket.Shutdown(SocketShutdown.Send);
            }
            // ending 1: neither closes nor completes anything; the server's gap rule or answer ends it.
            using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            limit.CancelAfter(Deadline.Default);
            var buffer = new byte[64 * 1024];
            while (await socket.ReceiveAsync(buffer, limit.Token) > 0)
            {
            }
        }
        catch (SocketException)
        {
            // The server rejected the request and closed while we were still sending: a fine outcome.
        }
    }
}
