using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Switchboard.Protocol.Files;
using Switchboard.Services.Files;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Bench;

/// <summary>
/// Downloads one large file (1 GiB by default) from our files server over loopback, and measures raw
/// loopback TCP in the same run with a minimal socket blaster (and iperf3 when installed), so the
/// ratio says how much of the wire's speed the server delivers.
/// Usage: files [--size-mib N] [--runs N]
/// </summary>
public static class FilesBench
{
    private const int ReceiveBuffer = 256 * 1024;

    public static async Task<int> RunAsync(string[] args)
    {
        var sizeMiB = Option(args, "--size-mib", 1024);
        var runs = Option(args, "--runs", 3);
        var size = sizeMiB * 1024L * 1024;
        BenchReport.Machine();
        var dir = Directory.CreateTempSubdirectory("switchboard-files-bench-");
        try
        {
            var file = Path.Join(dir.FullName, "root", "big.bin");
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            await GenerateAsync(file, size);
            Console.WriteLine($"file: {size:N0} bytes (generated, page-cached); best of {runs} runs each");

            await using var host = await StartServerAsync(Path.GetDirectoryName(file)!, zeroCopy: true);
            await using var buffered = await StartServerAsync(Path.GetDirectoryName(file)!, zeroCopy: false);
            var port = host.PortOf(FilesEndpoint.Service);

            var raw = await BestAsync(runs, () => BlastAsync(size));
            BenchReport.Rate("raw loopback TCP (socket blaster)", size / 1_000_000, raw, "MB");
            var iperf = await Iperf3Async(size);
            if (iperf is { } bitsPerSecond)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"raw loopback TCP (iperf3, 1 stream)",-48} {bitsPerSecond / 8 / 1e6,14:N0} MB/s"));
            }
            var zeroCopy = await BestAsync(runs, () => DownloadToSinkAsync(port, size));
            BenchReport.Rate("files server, zero-copy -> socket sink", size / 1_000_000, zeroCopy, "MB");
            var pipe = await BestAsync(runs, () => DownloadToSinkAsync(buffered.PortOf(FilesEndpoint.Service), size));
            BenchReport.Rate("files server, buffered -> socket sink", size / 1_000_000, pipe, "MB");
            var client = await BestAsync(runs, () => DownloadWithClientAsync(port, dir.FullName));
            BenchReport.Rate("files server -> switchboard client (disk, fsync)", size / 1_000_000, client, "MB");

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"ratio zero-copy download / raw blaster: {raw / zeroCopy:0.00}; buffered / raw: {raw / pipe:0.00}; client-to-disk / raw: {raw / client:0.00}"));
            if (iperf is { } bps)
            {
                var iperfSeconds = size * 8 / bps;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio zero-copy download / iperf3: {iperfSeconds / zeroCopy.TotalSeconds:0.00}"));
            }
            return 0;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Writes real (non-sparse) pseudo-random bytes, so the kernel sends actual page-cache pages.</summary>
    private static async Task GenerateAsync(string path, long size)
    {
        var block = new byte[4 * 1024 * 1024];
        new Random(264).NextBytes(block);
        await using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 0, FileOptions.Asynchronous);
        for (long written = 0; written < size; written += block.Length)
        {
            block[0]++;
            await file.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, size - written)));
        }
    }

    private static Task<TcpServerHost> StartServerAsync(string root, bool zeroCopy)
    {
        var options = new FilesServerOptions(FilesRoot.Open(root)) { ZeroCopy = zeroCopy };
        return TcpServerHost.StartAsync(
            [FilesEndpoint.At(IPAddress.Loopback, 0)], ServerHostOptions.Default,
            services => FilesEndpoint.Register(services, options), configureLogging: null, CancellationToken.None);
    }

    private static async Task<TimeSpan> BestAsync(int runs, Func<Task<TimeSpan>> run)
    {
        var best = TimeSpan.MaxValue;
        for (var i = 0; i < runs; i++)
        {
            var t = await run();
            best = t < best ? t : best;
        }
        return best;
    }

    /// <summary>The protocol exchange with the received bytes thrown away: the server's throughput, no disk on the client side.</summary>
    private static async Task<TimeSpan> DownloadToSinkAsync(int port, long size)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = ReceiveBuffer };
        var sw = Stopwatch.StartNew();
        await socket.ConnectAsync(IPAddress.Loopback, port);
        await socket.SendAsync(FileRequestCodec.Encode(FileRequest.For("big.bin")));
        var buffer = new byte[ReceiveBuffer];
        long total = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer)) > 0)
        {
            total += n;
        }
        sw.Stop();
        if (total != size + FilesWire.ResponseHeaderSize)
        {
            throw new InvalidOperationException($"received {total} bytes, expected {size + FilesWire.ResponseHeaderSize}");
        }
        return sw.Elapsed;
    }

    private static async Task<TimeSpan> DownloadWithClientAsync(int port, string dir)
    {
        var target = Path.Join(dir, "downloaded.bin");
        File.Delete(target);
        var result = await FilesClient.DownloadAsync("127.0.0.1", port, "big.bin", TransportLimits.Default, null, CancellationToken.None, saveAs: target);
        File.Delete(target);
        return result.Elapsed;
    }

    /// <summary>Raw loopback TCP: one socket writes <paramref name="size"/> bytes from memory, the other reads and discards them.</summary>
    private static async Task<TimeSpan> BlastAsync(long size)
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        var sender = Task.Run(async () =>
        {
            using var peer = await listener.AcceptAsync();
            var block = new byte[1024 * 1024];
            for (long sent = 0; sent < size;)
            {
                sent += await peer.SendAsync(block.AsMemory(0, (int)Math.Min(block.Length, size - sent)));
            }
            peer.Shutdown(SocketShutdown.Send);
        });
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = ReceiveBuffer };
        var sw = Stopwatch.StartNew();
        await socket.ConnectAsync(listener.LocalEndPoint!);
        var buffer = new byte[ReceiveBuffer];
        long total = 0;
        int n;
        while ((n = await socket.ReceiveAsync(buffer)) > 0)
        {
            total += n;
        }
        sw.Stop();
        await sender;
        if (total != size)
        {
            throw new InvalidOperationException($"blaster received {total} bytes, expected {size}");
        }
        return sw.Elapsed;
    }

    /// <summary>iperf3's loopback throughput for the same byte count, or null when iperf3 is not installed.</summary>
    private static async Task<double?> Iperf3Async(long size)
    {
        var port = 20000 + Random.Shared.Next(20000);
        Process? server;
        try
        {
            server = Process.Start(new ProcessStartInfo("iperf3", ["-s", "-1", "-p", port.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Console.WriteLine("iperf3: not installed (apt-get install iperf3 to compare)");
            return null;
        }
        using (server)
        {
            for (var attempt = 0; attempt < 50; attempt++)
            {
                using var client = Process.Start(new ProcessStartInfo("iperf3", ["-c", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-n", size.ToString(CultureInfo.InvariantCulture), "-J"])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                })!;
                var json = await client.StandardOutput.ReadToEndAsync();
                await client.WaitForExitAsync();
                if (client.ExitCode == 0)
                {
                    using var doc = JsonDocument.Parse(json);
                    await server!.WaitForExitAsync();
                    return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
                }
                await Task.Delay(100);
            }
            server!.Kill();
            Console.WriteLine("iperf3: did not run");
            return null;
        }
    }
}
