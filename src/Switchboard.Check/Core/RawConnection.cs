using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Switchboard.Protocol;

namespace Switchboard.Check.Core;

/// <summary>How a read on a <see cref="RawConnection"/> ended.</summary>
public enum ReadEnd
{
    /// <summary>The requested number of bytes arrived.</summary>
    Complete,

    /// <summary>The peer closed cleanly (FIN) first.</summary>
    Closed,

    /// <summary>The peer reset the connection (RST).</summary>
    Reset,

    /// <summary>The limit passed with the connection still open.</summary>
    TimedOut,
}

/// <summary>What one read saw: the bytes, how it ended, and how long it took.</summary>
public sealed record ReadResult(byte[] Bytes, ReadEnd End, TimeSpan Elapsed)
{
    /// <summary>The peer ended the connection (cleanly or by reset).</summary>
    public bool PeerEnded => End is ReadEnd.Closed or ReadEnd.Reset;

    /// <summary>e.g. <c>5 bytes ae73030000 then a clean close</c>: for failure messages.</summary>
    public string Describe()
    {
        var what = Bytes.Length == 0 ? "no bytes" : $"{Bytes.Length} byte{(Bytes.Length == 1 ? "" : "s")} {Hex.Preview(Bytes, 16)}";
        return End switch
        {
            ReadEnd.Complete => what,
            ReadEnd.Closed => $"{what} then a clean close",
            ReadEnd.Reset => $"{what} then a reset",
            _ => $"{what} and the connection still open after {Seconds(Elapsed)}",
        };
    }

    internal static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.0#} s";
}

/// <summary>
/// A bare TCP connection for probing a peer byte by byte: send all at once, in pieces or with pauses; read
/// until N bytes, a close or a deadline. Sends never throw when the peer has gone (a rejecting server may close
/// while the checker is still writing): they answer false. Everything received is kept in <see cref="Seen"/>.
/// </summary>
public sealed class RawConnection : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly MemoryStream _seen = new();
    private bool _peerEnded;

    private RawConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
    }

    /// <summary>Every byte received on this connection so far.</summary>
    public byte[] Seen => _seen.ToArray();

    /// <summary>The connection's socket, for cases that need something this class does not offer.</summary>
    public Socket Socket => _socket;

    /// <summary>Wraps a connected socket (one a <see cref="ScriptedServer"/> accepted); takes ownership.</summary>
    public static RawConnection Over(Socket socket) => new(socket);

    /// <summary>
    /// Connects to <paramref name="host"/>:<paramref name="port"/>, trying each address the resolver gives.
    /// </summary>
    /// <exception cref="CheckFailedException">No address accepted the connection within <paramref name="limit"/>.</exception>
    public static async Task<RawConnection> ConnectAsync(string host, int port, TimeSpan limit, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        IPAddress[] addresses;
        try
        {
            addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, timeout.Token).ConfigureAwait(false);
        }
        catch (SocketException e)
        {
            throw new CheckFailedException($"cannot resolve {host}: {e.SocketErrorCode}");
        }
        string? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), timeout.Token).ConfigureAwait(false);
                return new RawConnection(socket);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e.SocketErrorCode == SocketError.ConnectionRefused ? "connection refused" : e.SocketErrorCode.ToString();
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                socket.Dispose();
                last = $"no answer within {ReadResult.Seconds(limit)}";
                break;
            }
        }
        throw new CheckFailedException($"cannot connect to {host} port {port}: {last ?? "no address"}");
    }

    /// <summary>Sends all of <paramref name="bytes"/>; false when the peer closed or reset before they were all accepted.</summary>
    public async Task<bool> SendAsync(ReadOnlyMemory<byte> bytes, CancellationToken ct)
    {
        try
        {
            while (!bytes.IsEmpty)
            {
                var n = await _socket.SendAsync(bytes, SocketFlags.None, ct).ConfigureAwait(false);
                bytes = bytes[n..];
            }
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>Sends <paramref name="bytes"/> <paramref name="chunk"/> bytes per send, pausing <paramref name="pause"/> between sends.</summary>
    public async Task<bool> SendSlowlyAsync(ReadOnlyMemory<byte> bytes, int chunk, TimeSpan pause, CancellationToken ct)
    {
        for (var i = 0; i < bytes.Length; i += chunk)
        {
            if (i > 0)
            {
                await Task.Delay(pause, ct).ConfigureAwait(false);
            }
            if (!await SendAsync(bytes.Slice(i, Math.Min(chunk, bytes.Length - i)), ct).ConfigureAwait(false))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Half-closes: the peer reads end-of-stream, and can still answer.</summary>
    public void ShutdownSend()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Send);
        }
        catch (SocketException)
        {
            // Already gone: the peer has seen the end one way or another.
        }
    }

    /// <summary>Reads until <paramref name="count"/> bytes arrived, the peer ended the connection, or <paramref name="limit"/> passed.</summary>
    public async Task<ReadResult> ReadAsync(int count, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var received = new MemoryStream();
        if (_peerEnded)
        {
            return new ReadResult([], ReadEnd.Closed, clock.Elapsed);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(limit);
        var buffer = new byte[64 * 1024];
        while (received.Length < count)
        {
            int n;
            try
            {
                n = await _socket.ReceiveAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count - received.Length)), SocketFlags.None, timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new ReadResult(received.ToArray(), ReadEnd.TimedOut, clock.Elapsed);
            }
            catch (SocketException)
            {
                _peerEnded = true;
                return new ReadResult(received.ToArray(), ReadEnd.Reset, clock.Elapsed);
            }
            if (n == 0)
            {
                _peerEnded = true;
                return new ReadResult(received.ToArray(), ReadEnd.Closed, clock.Elapsed);
            }
            received.Write(buffer, 0, n);
            _seen.Write(buffer, 0, n);
        }
        return new ReadResult(received.ToArray(), ReadEnd.Complete, clock.Elapsed);
    }

    /// <summary>Reads until the peer ends the connection or <paramref name="limit"/> passes, keeping at most <paramref name="max"/> bytes.</summary>
    public Task<ReadResult> ReadToCloseAsync(TimeSpan limit, CancellationToken ct, int max = 32 * 1024 * 1024) =>
        ReadAsync(max, limit, ct);

    /// <summary>Closes with a reset (RST) instead of a FIN, as a crashed or rejecting peer might.</summary>
    public void Reset()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (SocketException)
        {
            // Nothing to reset any more.
        }
        _socket.Dispose();
    }

    public ValueTask DisposeAsync()
    {
        _socket.Dispose();
        return ValueTask.CompletedTask;
    }
}
