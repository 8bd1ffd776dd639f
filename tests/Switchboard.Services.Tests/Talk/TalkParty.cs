using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;
using Switchboard.Services.Talk;
using Switchboard.Tests.Shared;
using Switchboard.Tests.Shared.Talk;

namespace Switchboard.Services.Tests.Talk;

/// <summary>
/// A person at one end, scripted: a keyboard the test types on, and the stdout and stderr they read
/// (notices as <c>talk: ...</c>, errors as <c>error: ...</c>, as a terminal shows them). The real
/// terminal, with its prompts, is the CLI's <c>TalkTerminal</c>, tested there.
/// </summary>
internal sealed class TalkParty : ITalkUser, IDisposable
{
    public TypedLines In { get; } = new();

    public CapturedOutput Out { get; } = new();

    public CapturedOutput Err { get; } = new();

    public bool InputEnded => In.Ended;

    public string? InputFailure => null;

    public Task<string?> ReadLineAsync(CancellationToken cancellationToken) => In.ReadAsync(cancellationToken);

    public Task<string?> PeekLineAsync() => In.PeekAsync();

    public Task ShowLineAsync(string line) => Out.WriteLineAsync(line);

    public Task ShowNoticeAsync(string text) => Err.WriteLineAsync($"talk: {text}");

    public Task ShowErrorAsync(string text) => Err.WriteLineAsync($"error: {text}");

    public void Dispose() => In.End();
}

/// <summary>Lines a test types, taken one at a time; a cancelled wait leaves the line for the next taker.</summary>
internal sealed class TypedLines
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();

    public bool Ended { get; private set; }

    /// <summary>Types <paramref name="line"/> and presses Enter.</summary>
    public async Task TypeAsync(string line) => await _lines.Writer.WriteAsync(line);

    /// <summary>Ends the input, as Ctrl+D at a terminal or the end of a piped file.</summary>
    public void End() => _lines.Writer.TryComplete();

    public async Task<string?> ReadAsync(CancellationToken cancellationToken)
    {
        if (await _lines.Reader.WaitToReadAsync(cancellationToken) && _lines.Reader.TryRead(out var line))
        {
            return line;
        }
        return AtEnd();
    }

    public async Task<string?> PeekAsync()
    {
        if (await _lines.Reader.WaitToReadAsync() && _lines.Reader.TryPeek(out var line))
        {
            return line;
        }
        return AtEnd();
    }

    private string? AtEnd()
    {
        Ended = _lines.Reader.Completion.IsCompleted;
        return null;
    }
}

/// <summary>Starting servers and clients the way every talk test does.</summary>
internal static class Talking
{
    public static TalkServerOptions Loopback => new() { Bind = IPAddress.Loopback, Port = 0 };

    public static Task<TalkServer> StartServerAsync(TalkParty server, TalkServerOptions? options = null) =>
        TalkServer.StartAsync(options ?? Loopback, server, configureLogging: null, CancellationToken.None);

    public static Task<TalkClientEnd> CallAsync(TalkParty caller, int port, string host = "127.0.0.1", CancellationToken cancellationToken = default) =>
        TalkClient.RunAsync(new TalkClientOptions(host, port), caller, cancellationToken);
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

    /// <summary>What one <c>recv(1024)</c> returns, as the handout's programs read: whatever has arrived; null at a close.</summary>
    public async Task<string?> ReceiveOnceAsync()
    {
        using var cts = new CancellationTokenSource(Deadline.Default);
        var buffer = new byte[1024];
        var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
        return n == 0 ? null : Encoding.UTF8.GetString(buffer, 0, n);
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
