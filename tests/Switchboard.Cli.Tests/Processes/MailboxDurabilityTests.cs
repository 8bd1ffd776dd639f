using System.Buffers;
using System.Collections.Concurrent;
using System.Net.Sockets;
using Switchboard.Protocol;
using Switchboard.Protocol.Mailbox;
using Switchboard.Tests.Shared;

namespace Switchboard.Cli.Tests.Processes;

/// <summary>
/// Issue 10 item 2 (c): kill -9 under load never loses an acknowledged create. Clients treat only a clean
/// close after their request as "stored" (the protocol's only acknowledgement); after the crash the server
/// is restarted on the same file and every mailbox is read: acknowledged ⊆ stored.
/// More trials: <c>SWITCHBOARD_DURABILITY_TRIALS=5 dotnet test tests/Switchboard.Cli.Tests --filter MailboxDurability</c>.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class MailboxDurabilityTests
{
    private const int Clients = 20;

    [Fact]
    public async Task Kill_9_under_load_loses_no_acknowledged_create()
    {
        var trials = int.TryParse(Environment.GetEnvironmentVariable("SWITCHBOARD_DURABILITY_TRIALS"), out var n) ? n : 2;
        for (var trial = 1; trial <= trials; trial++)
        {
            var (acknowledged, stored, failed) = await RunTrialAsync();
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"trial {trial}: {Clients} clients, {acknowledged.Count} acknowledged, {stored.Count} stored, {failed} failed or reset, {acknowledged.Except(stored).Count()} acknowledged but lost");
            acknowledged.Count.ShouldBeGreaterThan(0, "the load ran before the kill");
            acknowledged.Except(stored).ShouldBeEmpty("every create the server acknowledged with a clean close must be stored");
        }
    }

    private static async Task<(HashSet<string> Acknowledged, HashSet<string> Stored, int Failed)> RunTrialAsync()
    {
        using var dir = new TempDirectory();
        var store = $"sqlite:{Path.Combine(dir.Path, "m.db")}";
        var port = FreePort.OnLoopback();
        var acknowledged = new ConcurrentBag<string>();
        var failed = 0;
        await using (var server = SwitchboardProcess.Start("mailbox", "server", port.ToString(), "--store", store, "--bind", "127.0.0.1"))
        {
            await server.WaitForStderrAsync("listening on");
            using var stop = new CancellationTokenSource();
            var workers = Enumerable.Range(0, Clients).Select(c => Task.Run(async () =>
            {
                for (var seq = 0; !stop.IsCancellationRequested; seq++)
                {
                    var text = $"c{c}-{seq}";
                    if (await TryCreateAsync(port, $"r{c}", text))
                    {
                        acknowledged.Add(text);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
            })).ToArray();
            // Kill mid-load: once a few hundred creates were acknowledged, so commits are in flight.
            await Deadline.Until(() => acknowledged.Count >= 300, "load running");
            server.KillHard();
            await server.WaitForExitAsync();
            stop.Cancel();
            await Task.WhenAll(workers).Within();
        }

        var stored = new HashSet<string>();
        var readPort = FreePort.OnLoopback();
        await using (var restarted = SwitchboardProcess.Start("mailbox", "server", readPort.ToString(), "--store", store, "--bind", "127.0.0.1"))
        {
            await restarted.WaitForStderrAsync("listening on");
            for (var c = 0; c < Clients; c++)
            {
                while (true)
                {
                    var (more, texts) = await ReadAsync(readPort, $"r{c}");
                    stored.UnionWith(texts);
                    if (!more)
                    {
                        break;
                    }
                }
            }
        }
        return (acknowledged.ToHashSet(), stored, failed);
    }

    /// <summary>True only when the server closed cleanly after the whole request: a reset, refusal or error is "not stored".</summary>
    private static async Task<bool> TryCreateAsync(int port, string receiver, string text)
    {
        try
        {
            await using var tcp = await RawTcp.ConnectAsync(port);
            await tcp.SendAsync(MessageRequestCodec.Encode(MessageRequest.Create("al", receiver, text)));
            var (received, kind) = await tcp.Socket.ReadUntilClosedAsync();
            return kind == PeerCloseKind.Clean && received.Length == 0;
        }
        catch (Exception e) when (e is SocketException or TimeoutException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    private static async Task<(bool More, List<string> Texts)> ReadAsync(int port, string user)
    {
        await using var tcp = await RawTcp.ConnectAsync(port);
        await tcp.SendAsync(MessageRequestCodec.Encode(MessageRequest.Read(user)));
        var (bytes, kind) = await tcp.Socket.ReadUntilClosedAsync();
        kind.ShouldBe(PeerCloseKind.Clean);
        MessageResponseCodec.TryDecode(new ReadOnlySequence<byte>(bytes), out var response, out _, out var error).ShouldBe(DecodeStatus.Complete, error.ToString());
        return (response.Header.MoreMessages, response.Messages.Select(m => m.Text).ToList());
    }
}
