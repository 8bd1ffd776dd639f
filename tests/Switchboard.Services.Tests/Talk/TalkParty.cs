using System.Net;
using System.Net.Sockets;
using System.Text;
using Switchboard.Services.Common;
using Switchboard.Services.Talk;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Talk;

namespace Switchboard.Services.Tests.Talk;

/// <summary>A person at one end: a keyboard the test types on, and the stdout and stderr they read.</summary>
internal sealed class TalkParty(bool atTerminal = false) : IDisposable
{
    public ScriptedInput In { get; } = new();

    public CapturedOutput Out { get; } = new();

    public CapturedOutput Err { get; } = new();

    public ConsoleStreams Console => new(In.Reader, Out, Err, InIsTerminal: atTerminal, ErrorIsTerminal: atTerminal);

    public void Dispose() => In.Dispose();
}

/// <summary>Starting servers and clients the way every talk test does.</summary>
internal static class Talking
{
    public static TalkServerOptions Loopback => new() { Bind = IPAddress.Loopback, Port = 0 };

    public static Task<TalkServer> StartServerAsync(TalkParty server, TalkServerOptions? options = null) =>
        TalkServer.StartAsync(options ?? Loopback, server.Console, configureLogging: null, CancellationToken.None);

    public static Task<TalkClientEnd> CallAsync(TalkParty caller, int port, string host = "127.0.0.1", CancellationToken cancellationToken = default) =>
        TalkClient.RunAsync(new TalkClientOptions(host, port), caller.Console, cancellationToken);
}

/// <summary>
/// A peer written as the handout's Python programs are: <c>sendall</c> a line, <c>recv</c> the answer.
/// Reads byte by byte so it never takes more than one line.
/// </summary>
internal sealed class HandoutPeer(Socket socket) : IAsyncDisposable
{
    private readonly RawTcp _tcp = RawTcp.Wrap(socket);

    public Socket Socket => socket;

    public static async Task<HandoutPeer> ConnectAsync(int port) => new((await RawTcp.ConnectAsync(port)).Socket);

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public Task SendAsync(byte[] bytes) => _tcp.SendAsync(bytes);

    /// <summary>One line without its newline; null when the other side closed first.</summary>
    public async Task<string?> ReadLineAsync(TimeSpan? limit = null)
    {
        using var cts = new CancellationTokenSource(limit ?? Deadline.Default);
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            var n = await socket.ReceiveAsync(one, SocketFlags.None, cts.Token);
            if (n == 0)
            {
                return null;
            }
            if (one[0] == '\n')
            {
                return Encoding.UTF8.GetString(bytes.ToArray());
            }
            bytes.Add(one[0]);
        }
    }

    /// <summary>True when nothing arrives within <paramref name="window"/>: a bounded check that the other side is waiting.</summary>
    public async Task<bool> QuietForAsync(TimeSpan window)
    {
        using var cts = new CancellationTokenSource(window);
        try
        {
            _ = await socket.ReceiveAsync(new byte[1], SocketFlags.None, cts.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    /// <summary>Everything until the other side closes.</summary>
    public Task<byte[]> ReadToEndAsync() => _tcp.ReadToEndAsync();

    /// <summary>Vanishes without a goodbye: a reset, as when a program crashes or a cable is pulled.</summary>
    public void Reset()
    {
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    public ValueTask DisposeAsync() => _tcp.DisposeAsync();
}

/// <summary>A server written like the handout's: accept one caller, then whatever the test scripts.</summary>
internal sealed class HandoutServer : IDisposable
{
    private readonly Socket _listener;

    public HandoutServer()
    {
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(5);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
    }

    public int Port { get; }

    public async Task<HandoutPeer> AcceptAsync() => new(await _listener.AcceptAsync().Within());

    public void Dispose() => _listener.Dispose();
}
