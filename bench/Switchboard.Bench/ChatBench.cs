using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchboard.Protocol.Chat;
using Switchboard.Services.Chat;

namespace Switchboard.Bench;

/// <summary>
/// A full room: 255 participants and 255 observers (each paired with one participant) connected to our chat
/// server; a few participants send public messages, each keeping a small window in flight (a message leaves the
/// window when its sender sees it come back), and every client reads everything. Reports frames delivered per
/// second (summed over all 510 clients) and the delivery latency, send to receipt, p50 and p99 over every delivery.
/// Options: --participants N, --observers N, --senders N, --window W, --seconds S, --rate-limit (keep the
/// default 20-burst, 10/s limit instead of turning it off).
/// </summary>
public static class ChatBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var participants = (int)Option(args, "--participants", 255);
        var observers = Math.Min(participants, (int)Option(args, "--observers", 255));
        var senders = Math.Min(participants, (int)Option(args, "--senders", 16));
        var window = (int)Option(args, "--window", 4);
        var seconds = Option(args, "--seconds", 5);
        var limited = args.Contains("--rate-limit");
        BenchReport.Machine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"chat room: {participants} participants + {observers} observers, {senders} senders x {window} in flight, {seconds:0.#} s, rate limit {(limited ? "20 burst, 10/s" : "off")}"));

        var options = new ChatServerOptions
        {
            Bind = IPAddress.Loopback,
            Port = 0,
            ObserverPort = 0,
            MaxParticipants = Math.Max(participants, ChatServerOptions.DefaultMaxParticipants),
            MaxObservers = Math.Max(observers, ChatServerOptions.DefaultMaxObservers),
            RateBurst = limited ? ChatServerOptions.DefaultRateBurst : 0,
        };
        await using var server = await ChatServer.StartAsync(options, null, CancellationToken.None);
        var room = new Room();
        var setup = Stopwatch.StartNew();
        var people = new List<Client>();
        for (var i = 0; i < participants; i++)
        {
            people.Add(await Client.JoinAsync(server.Port, $"p{i:D3}", room));
        }
        var watchers = new List<Client>();
        for (var i = 0; i < observers; i++)
        {
            watchers.Add(await Client.ObserveAsync(server.ObserverPort, people[i], room));
        }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"connected and paired {people.Count + watchers.Count} clients in {setup.Elapsed.TotalSeconds:0.00} s"));

        using var stop = new CancellationTokenSource();
        var readers = people.Concat(watchers).Select(c => c.ReadLoopAsync(stop.Token)).ToList();
        var sending = people.Take(senders).Select(c => c.SendLoopAsync(window, stop.Token)).ToList();

        await Task.Delay(TimeSpan.FromSeconds(1)); // warm-up
        room.Measure(true);
        var start = room.Delivered;
        var sw = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(seconds));
        var delivered = room.Delivered - start;
        var elapsed = sw.Elapsed;
        room.Measure(false);
        var stillConnected = (server.Room.ActiveParticipants, server.Room.PairedObservers);
        await stop.CancelAsync();
        foreach (var c in people.Concat(watchers))
        {
            c.Dispose();
        }
        await Task.WhenAll(readers.Concat(sending).Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));

        BenchReport.Rate("chat deliveries (all clients)", delivered, elapsed, "frame");
        var sent = delivered / Math.Max(1, people.Count + watchers.Count);
        BenchReport.Rate("chat messages (each to every client)", sent, elapsed, "msg");
        var latencies = room.Latencies();
        if (latencies.Length > 0)
        {
            Array.Sort(latencies);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"delivery latency over {latencies.Length:N0} deliveries: p50 {Percentile(latencies, 0.50):0.00} ms, p99 {Percentile(latencies, 0.99):0.00} ms, max {latencies[^1] / 1000.0:0.00} ms"));
        }
        // Nobody may have been cut off as a slow reader: the figures are for a full room.
        Console.WriteLine($"still connected at the end of the run: {stillConnected.ActiveParticipants} participants, {stillConnected.PairedObservers} observers");
        return 0;
    }

    private static double Percentile(int[] sortedMicros, double p) => sortedMicros[(int)Math.Min(sortedMicros.Length - 1, p * sortedMicros.Length)] / 1000.0;

    private static double Option(string[] args, string name, double fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? double.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    private sealed class Room
    {
        private readonly Lock _gate = new();
        private readonly List<int[]> _samples = [];
        private long _delivered;
        private volatile bool _measuring;

        public long Delivered => Interlocked.Read(ref _delivered);

        public bool Measuring => _measuring;

        public void Measure(bool on) => _measuring = on;

        public void Count(int frames) => Interlocked.Add(ref _delivered, frames);

        public void Add(List<int> micros)
        {
            lock (_gate)
            {
                _samples.Add([.. micros]);
            }
        }

        public int[] Latencies()
        {
            lock (_gate)
            {
                return _samples.SelectMany(s => s).ToArray();
            }
        }
    }

    private sealed class Client : IDisposable
    {
        private static readonly byte[] RateWarning = "Warning: too many messages"u8.ToArray();

        private readonly Socket _socket;
        private readonly Room _room;
        private readonly byte[] _ownPrefix;
        private readonly SemaphoreSlim _window = new(0);
        private byte[] _buffer = new byte[256 * 1024];
        private int _start;
        private int _end;

        private Client(Socket socket, string name, Room room)
        {
            _socket = socket;
            _room = room;
            Name = name;
            _ownPrefix = Encoding.UTF8.GetBytes(ChatLines.Public(name, string.Empty));
        }

        public string Name { get; }

        public string Code { get; private set; } = string.Empty;

        public static async Task<Client> JoinAsync(int port, string name, Room room)
        {
            var client = new Client(await ConnectAsync(port), name, room);
            Expect(await client.ReceiveAsync(), ChatCodes.Accept);
            await client.SendAsync(name);
            Expect(await client.ReceiveAsync(), ChatCodes.UsernameAccepted);
            ChatCodes.TryParsePairingCode(await client.ReceiveAsync(), out var code);
            client.Code = code;
            return client;
        }

        public static async Task<Client> ObserveAsync(int port, Client participant, Room room)
        {
            var client = new Client(await ConnectAsync(port), participant.Name, room);
            Expect(await client.ReceiveAsync(), ChatCodes.Accept);
            await client.SendAsync($"{participant.Name} {participant.Code}");
            Expect(await client.ReceiveAsync(), ChatCodes.ObserverAccepted);
            return client;
        }

        public async Task SendLoopAsync(int window, CancellationToken stop)
        {
            _window.Release(window);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    await _window.WaitAsync(stop);
                    await SendAsync(Stopwatch.GetTimestamp().ToString(CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
        }

        /// <summary>Reads every frame; for public lines, notes the latency, and frees window space for its own.</summary>
        public async Task ReadLoopAsync(CancellationToken stop)
        {
            var samples = new List<int>();
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    var n = await Fill(stop);
                    if (n == 0)
                    {
                        break;
                    }
                    var frames = 0;
                    var now = Stopwatch.GetTimestamp();
                    while (TryFrame(out var data))
                    {
                        frames++;
                        if (data.Length > ChatWire.LinePrefixCharacters && data[0] == (byte)'>')
                        {
                            if (_room.Measuring && long.TryParse(data[ChatWire.LinePrefixCharacters..], NumberStyles.None, CultureInfo.InvariantCulture, out var sent))
                            {
                                samples.Add((int)Stopwatch.GetElapsedTime(sent, now).TotalMicroseconds);
                            }
                            if (data.StartsWith(_ownPrefix))
                            {
                                _window.Release();
                            }
                        }
                        else if (data.StartsWith(RateWarning))
                        {
                            // Dropped by the rate limit: it will never come back, so it leaves the window now.
                            _window.Release();
                        }
                    }
                    _room.Count(frames);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
            }
            _room.Add(samples);
        }

        public void Dispose() => _socket.Dispose();

        private static async Task<Socket> ConnectAsync(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(IPAddress.Loopback, port);
            return socket;
        }

        private static void Expect(string got, string expected)
        {
            if (got != expected)
            {
                throw new InvalidOperationException($"expected {expected}, got {got}");
            }
        }

        private async Task SendAsync(string text)
        {
            var frame = ChatFrameCodec.Encode(text);
            var sent = 0;
            while (sent < frame.Length)
            {
                sent += await _socket.SendAsync(frame.AsMemory(sent), SocketFlags.None);
            }
        }

        private async Task<string> ReceiveAsync()
        {
            while (true)
            {
                if (TryFrame(out var data))
                {
                    return Encoding.UTF8.GetString(data);
                }
                if (await Fill(CancellationToken.None) == 0)
                {
                    throw new EndOfStreamException("server closed");
                }
            }
        }

        private bool TryFrame(out ReadOnlySpan<byte> data)
        {
            data = default;
            var available = _end - _start;
            if (available < 4)
            {
                return false;
            }
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(_buffer.AsSpan(_start));
            if (available < 4 + length)
            {
                return false;
            }
            data = _buffer.AsSpan(_start + 4, length);
            _start += 4 + length;
            return true;
        }

        private async Task<int> Fill(CancellationToken stop)
        {
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
            {
                Array.Resize(ref _buffer, _buffer.Length * 2);
            }
            var n = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, stop);
            _end += n;
            return n;
        }
    }
}
