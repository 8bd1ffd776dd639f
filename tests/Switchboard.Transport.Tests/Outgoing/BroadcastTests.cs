using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Switchboard.Tests.Shared;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Outgoing;

namespace Switchboard.Transport.Tests.Outgoing;

/// <summary>Broadcast over real sockets: a peer that stops reading is cut off while the others keep receiving.</summary>
public sealed class BroadcastTests
{
    private const int FrameSize = 1024;

    /// <summary>Every connection registers its outgoing queue; a full queue disconnects that connection.</summary>
    private sealed class Room
    {
        public ConcurrentDictionary<ConnectionContext, OutgoingQueue> Members { get; } = new();

        public ConcurrentBag<string> CutOff { get; } = [];

        public OutgoingQueueOptions Queue { get; init; } = new() { MaxQueuedBytes = 256 * 1024 };

        public TaskCompletionSource<int> Joined { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Publish(ReadOnlyMemory<byte> frame) =>
            Broadcast.Send(frame, Members.ToArray(), m => m.Value, m =>
            {
                CutOff.Add(m.Key.ConnectionId);
                m.Value.Abort();
                m.Key.Abort(new ConnectionAbortedException("outgoing queue full"));
            });
    }

    private sealed class RoomHandler(Room room, ILoggerFactory logs, SwitchboardMetrics metrics)
        : ServiceConnectionHandler("room", logs.CreateLogger("room"), metrics)
    {
        protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
        {
            await using var queue = new OutgoingQueue(connection.Transport.Output, room.Queue, Service, Metrics, connection.ConnectionClosed);
            room.Members[connection] = queue;
            room.Joined.TrySetResult(room.Members.Count);
            try
            {
                // Members only listen: wait for the peer to go or the queue to fail.
                var closed = connection.Transport.Input.ReadAsync().AsTask();
                await Task.WhenAny(closed, queue.Completion).ConfigureAwait(false);
            }
            finally
            {
                room.Members.TryRemove(connection, out _);
            }
        }
    }

    [Fact]
    public async Task A_peer_that_stops_reading_is_disconnected_while_the_others_receive_every_frame()
    {
        var room = new Room();
        await using var host = await TcpServerHost.StartAsync(
            [new ListenSpec("room", IPAddress.Loopback, 0, b => b.UseConnectionHandler<RoomHandler>())],
            ServerHostOptions.Default,
            services => services.AddSingleton(room),
            configureLogging: null,
            CancellationToken.None);
        var port = host.PortOf("room");

        // The stalled peer has a tiny receive buffer so the kernel cannot absorb the whole broadcast for it.
        var stalled = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await stalled.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port)).Within();
        var readers = new List<RawTcp>();
        for (var i = 0; i < 3; i++)
        {
            readers.Add(await RawTcp.ConnectAsync(port));
        }
        await Deadline.Until(() => room.Members.Count == 4, "all four peers joined");

        // Published in rounds at the pace the healthy peers take them (as chat's human pace would be); the stalled
        // peer's 256 KiB queue plus its socket buffers are overrun after a few rounds (a round is an eighth of the bound,
        // so a healthy peer whose last flushes have not yet been counted out never comes near it).
        // Loopback socket buffers can absorb several MB for the stalled peer before its queue fills, so keep going
        // until it is cut off, then a while longer to show the rest still flows.
        const int round = 32, limit = 60_000;
        var frames = limit;
        var progress = new int[readers.Count];
        var receiving = readers.Select((r, n) => ReceiveFramesAsync(r, () => Volatile.Read(ref frames), progress, n)).ToList();
        for (var i = 0; i < limit; i++)
        {
            if (room.CutOff.Count > 0 && i % round == 0 && i >= 1000 && frames == limit)
            {
                Volatile.Write(ref frames, i + 500);
            }
            if (i == Volatile.Read(ref frames))
            {
                break;
            }
            var frame = new byte[FrameSize];
            BinaryPrimitives.WriteInt32BigEndian(frame, i);
            room.Publish(frame);
            if (i % round == round - 1)
            {
                var sent = i + 1;
                await Deadline.Until(() => Enumerable.Range(0, progress.Length).All(n => Volatile.Read(ref progress[n]) >= sent), $"healthy peers received {sent} frames");
            }
        }

        var counts = await Task.WhenAll(receiving).Within();
        counts.ShouldAllBe(c => c == frames);
        frames.ShouldBeLessThan(limit, "the stalled peer was never cut off");
        room.CutOff.Count.ShouldBe(1);
        // The stalled peer sees its connection end (after whatever the kernel had already buffered).
        (await DrainUntilClosedAsync(stalled).Within()).ShouldBeLessThan((long)frames * FrameSize);
        foreach (var r in readers)
        {
            await r.DisposeAsync();
        }
        stalled.Dispose();
    }

    /// <summary>Reads <paramref name="count"/> frames and checks they arrive whole and in order.</summary>
    private static async Task<int> ReceiveFramesAsync(RawTcp peer, Func<int> count, int[] progress, int slot)
    {
        var i = 0;
        for (; i < count(); i++)
        {
            var frame = await peer.ReadExactlyAsync(FrameSize, TimeSpan.FromSeconds(20));
            BinaryPrimitives.ReadInt32BigEndian(frame).ShouldBe(i);
            Volatile.Write(ref progress[slot], i + 1);
        }
        return i;
    }

    private static async Task<long> DrainUntilClosedAsync(Socket socket)
    {
        var buffer = new byte[64 * 1024];
        long total = 0;
        while (true)
        {
            int n;
            try
            {
                n = await socket.ReceiveAsync(buffer, SocketFlags.None);
            }
            catch (SocketException)
            {
                return total;
            }
            if (n == 0)
            {
                return total;
            }
            total += n;
        }
    }
}
