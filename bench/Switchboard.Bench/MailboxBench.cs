using Switchboard.Protocol.Mailbox;

namespace Switchboard.Bench;

/// <summary>
/// Requests per second for mailbox create and read, with 1 and 50 concurrent clients, each request on its
/// own connection as the protocol requires. Measured against our server with the SQLite store (the
/// default) and the memory store, and against the handout-style Python server (bench/peers) in the same run;
/// every server in its own process.
/// </summary>
public static class MailboxBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3;
        var duration = TimeSpan.FromSeconds(seconds);
        BenchReport.Machine();
        Console.WriteLine($"each figure: {duration.TotalSeconds:0.#} s of requests; every request opens its own connection;");
        Console.WriteLine("each server runs in its own process (switchboard with --quiet), the load generator in this one");

        var results = new Dictionary<string, double>();
        var dir = Directory.CreateTempSubdirectory("switchboard-bench-").FullName;
        try
        {
            using (var sqlite = await ServerProcess.StartSwitchboardAsync("mailbox", "server", "{port}", "--bind", "127.0.0.1", "--quiet", "--store", $"sqlite:{Path.Combine(dir, "bench.db")}"))
            {
                await MeasureAsync("switchboard sqlite", sqlite.Port, duration, results);
            }
            using (var memory = await ServerProcess.StartSwitchboardAsync("mailbox", "server", "{port}", "--bind", "127.0.0.1", "--quiet", "--store", "memory"))
            {
                await MeasureAsync("switchboard memory", memory.Port, duration, results);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }

        using var python = await ServerProcess.StartPythonAsync("handout_mailbox_server.py");
        if (python is null)
        {
            Console.WriteLine("python3 not found: the handout peer is not measured");
            return 0;
        }
        await MeasureAsync("handout python", python.Port, duration, results);
        Console.WriteLine();
        foreach (var store in new[] { "sqlite", "memory" })
        {
            foreach (var kind in new[] { "create x1", "create x50", "read x1", "read x50" })
            {
                Console.WriteLine($"ratio switchboard {store} / handout python, {kind,-10}: {results[$"switchboard {store} {kind}"] / results[$"handout python {kind}"],6:0.00}x");
            }
        }
        return 0;
    }

    private static async Task MeasureAsync(string name, int port, TimeSpan duration, Dictionary<string, double> results)
    {
        foreach (var clients in new[] { 1, 50 })
        {
            var create = await ConnectionLoad.RunAsync(port, clients, duration, i => MessageRequestCodec.Encode(
                MessageRequest.Create($"sender{i % 7}", $"user{i % clients}", "a short benchmark message of 40 bytes..")));
            Report(results, $"{name} create x{clients}", create, duration);
        }
        foreach (var clients in new[] { 1, 50 })
        {
            // Each read fetches whatever the creates left: mostly full 255-message responses at first, then empty ones.
            var read = await ConnectionLoad.RunAsync(port, clients, duration, i => MessageRequestCodec.Encode(MessageRequest.Read($"user{i % clients}")));
            Report(results, $"{name} read x{clients}", read, duration);
        }
    }

    private static void Report(Dictionary<string, double> results, string label, long count, TimeSpan duration)
    {
        results[label] = count / duration.TotalSeconds;
        BenchReport.Rate(label, count, duration, "req");
    }
}
