using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Switchboard.Bench;

/// <summary>
/// What one connection-per-request exchange costs before any protocol work: servers that only accept,
/// read once and close, each in its own process — Python's blocking loop, a bare .NET async accept
/// loop, and Kestrel with an empty connection handler (the floor under mailbox and files).
/// </summary>
public static class ConnectionFloorBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Length == 2 && args[0] is "serve-raw" or "serve-kestrel")
        {
            await ServeAsync(args[0], int.Parse(args[1]));
            return 0;
        }
        var duration = TimeSpan.FromSeconds(args.Length > 0 && double.TryParse(args[0], out var s) ? s : 3);
        BenchReport.Machine();
        Console.WriteLine("accept, read once, close; each server in its own process; load from this one");
        var results = new Dictionary<string, double>();
        using (var python = await ServerProcess.StartPythonAsync("accept_close_server.py"))
        {
            if (python is null)
            {
                Console.WriteLine("python3 not found: the Python floor is not measured");
            }
            else
            {
                await MeasureAsync("python blocking loop", python.Port, duration, results);
            }
        }
        foreach (var kind in new[] { "raw", "kestrel" })
        {
            using var server = await ServerProcess.StartBenchAsync("connection-floor", $"serve-{kind}", "{port}");
            await MeasureAsync(kind == "raw" ? ".NET async accept loop" : "Kestrel, empty handler", server.Port, duration, results);
        }
        if (results.ContainsKey("python blocking loop x1"))
        {
            Console.WriteLine();
            foreach (var name in new[] { ".NET async accept loop", "Kestrel, empty handler" })
            {
                foreach (var clients in new[] { 1, 50 })
                {
                    Console.WriteLine($"ratio {name} / python blocking loop, x{clients,-2}: {results[$"{name} x{clients}"] / results[$"python blocking loop x{clients}"],6:0.00}x");
                }
            }
        }
        return 0;
    }

    private static async Task MeasureAsync(string name, int port, TimeSpan duration, Dictionary<string, double> results)
    {
        foreach (var clients in new[] { 1, 50 })
        {
            var count = await ConnectionLoad.RunAsync(port, clients, duration, _ => new byte[40]);
            results[$"{name} x{clients}"] = count / duration.TotalSeconds;
            BenchReport.Rate($"{name} x{clients}", count, duration, "conn");
        }
    }

    private static async Task ServeAsync(string kind, int port)
    {
        if (kind == "serve-raw")
        {
            using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            listener.Bind(new IPEndPoint(IPAddress.Loopback, port));
            listener.Listen(512);
            while (true)
            {
                var socket = await listener.AcceptAsync();
                _ = Task.Run(async () =>
                {
                    using (socket)
                    {
                        await socket.ReceiveAsync(new byte[256], SocketFlags.None);
                    }
                });
            }
        }
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelCore();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, l => l.Run(async connection =>
        {
            var read = await connection.Transport.Input.ReadAsync();
            connection.Transport.Input.AdvanceTo(read.Buffer.End);
        })));
        await builder.Build().RunAsync();
    }
}
