using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Switchboard.Protocol.Echo;
using Switchboard.Services.Echo;

namespace Switchboard.Bench;

/// <summary>
/// Messages per second for a pipelined exchange of small echo messages, on 1 and on 50 connections, against
/// our <see cref="BufferedServer"/> and, in the same run, against a named peer: a handout-style Python 3
/// server (socketserver.ThreadingTCPServer: one thread per connection, recv(4096), struct.pack, s[10:], TCP_NODELAY).
/// Options: --seconds S, --window W.
/// </summary>
public static class EchoBench
{
    private const string Message = "bench message #0042: small";

    private const string PythonServer = """
        import socketserver, sys
        from socket import IPPROTO_TCP, TCP_NODELAY
        from struct import pack, unpack

        BUFFER_SIZE = 4096

        class Handler(socketserver.BaseRequestHandler):
            def recv_exactly(self, count):
                data = b""
                while len(data) < count:
                    chunk = self.request.recv(min(BUFFER_SIZE, count - len(data)))
                    if not chunk:
                        return None
                    data += chunk
                return data

            def handle(self):
                # Without it Nagle holds each small reply for the client's delayed ACK (~40 ms): that would
                # measure a socket option, not the server.
                self.request.setsockopt(IPPROTO_TCP, TCP_NODELAY, 1)
                while True:
                    header = self.recv_exactly(4)
                    if header is None:
                        return
                    payload = self.recv_exactly(unpack("!I", header)[0]).decode()
                    reply = payload[10:].encode()
                    self.request.sendall(pack("!I", len(reply)) + reply)

        class Server(socketserver.ThreadingTCPServer):
            allow_reuse_address = True
            daemon_threads = True
            request_queue_size = 128

        with Server(("127.0.0.1", 0), Handler) as server:
            print(server.server_address[1], flush=True)
            server.serve_forever()
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var seconds = Option(args, "--seconds", 3.0);
        var window = (int)Option(args, "--window", 32);
        BenchReport.Machine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"pipelined echo: {window} messages of {EchoFrameCodec.Encode(Message).Length} bytes in flight per connection, {seconds:0.#} s per figure"));

        await using var ours = new BufferedServer("127.0.0.1", 0, 4096);
        var serving = ours.RunAsync();
        var ourRates = new Dictionary<int, double>();
        foreach (var connections in new[] { 1, 50 })
        {
            ourRates[connections] = await MeasureAsync($"switchboard BufferedServer, {connections} conn", ours.Port, connections, window, seconds);
        }
        ours.KeepRunning = false;
        await serving;

        using var python = StartPython();
        if (python is null)
        {
            Console.WriteLine("python3 not found: no peer figures");
            return 0;
        }
        try
        {
            var port = int.Parse((await python.StandardOutput.ReadLineAsync())!, CultureInfo.InvariantCulture);
            foreach (var connections in new[] { 1, 50 })
            {
                var rate = await MeasureAsync($"python3 handout-style server, {connections} conn", port, connections, window, seconds);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  ratio switchboard / python3 at {connections} conn: {ourRates[connections] / rate:0.0}x"));
            }
        }
        finally
        {
            python.Kill(entireProcessTree: true);
        }
        return 0;
    }

    private static async Task<double> MeasureAsync(string what, int port, int connections, int window, double seconds)
    {
        var sockets = new Socket[connections];
        for (var i = 0; i < connections; i++)
        {
            sockets[i] = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await sockets[i].ConnectAsync(IPAddress.Loopback, port);
        }
        try
        {
            // A short warm-up (JIT, thread pools, Python threads), then the timed run.
            await Task.WhenAll(sockets.Select(s => PumpAsync(s, window, TimeSpan.FromSeconds(0.5))));
            var sw = Stopwatch.StartNew();
            var counts = await Task.WhenAll(sockets.Select(s => PumpAsync(s, window, TimeSpan.FromSeconds(seconds))));
            var elapsed = sw.Elapsed;
            var total = counts.Sum();
            BenchReport.Rate(what, total, elapsed, "msg");
            return total / elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var s in sockets)
            {
                s.Dispose();
            }
        }
    }

    /// <summary>Sends <paramref name="window"/> messages in one write, reads all their replies, repeats; checks every reply byte.</summary>
    private static async Task<long> PumpAsync(Socket socket, int window, TimeSpan duration)
    {
        var batch = Enumerable.Range(0, window).SelectMany(_ => EchoFrameCodec.Encode(Message)).ToArray();
        var expected = Enumerable.Range(0, window).SelectMany(_ => EchoFrameCodec.Encode(EchoReply.For(Message))).ToArray();
        var replies = new byte[expected.Length];
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        long messages = 0;
        while (Stopwatch.GetTimestamp() < end)
        {
            await socket.SendAsync(batch);
            var read = 0;
            while (read < replies.Length)
            {
                var n = await socket.ReceiveAsync(replies.AsMemory(read));
                if (n == 0)
                {
                    throw new InvalidOperationException("server closed the connection during the bench");
                }
                read += n;
            }
            if (!replies.AsSpan().SequenceEqual(expected))
            {
                throw new InvalidOperationException("wrong reply bytes");
            }
            messages += window;
        }
        return messages;
    }

    private static Process? StartPython()
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(PythonServer);
        try
        {
            return Process.Start(start);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    private static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
