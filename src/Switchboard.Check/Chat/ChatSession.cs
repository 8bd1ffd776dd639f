using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using Switchboard.Check.Common;
using Switchboard.Check.Core;
using Switchboard.Check.Launch;
using Switchboard.Protocol.Chat;

namespace Switchboard.Check.Chat;

/// <summary>
/// One checker-side chat connection: handout 002's frames (<c>[datalen u32 BE][data]</c>) read one at a time, every
/// frame received kept (so a case can tell what arrived before an event), and only what the handout fixes assumed:
/// a first frame after connecting (its "accept" code, whatever its text) and one answer to a username (its
/// "username-accepted" code, whatever its text). No control code of ours is ever compared.
/// </summary>
internal sealed class ChatSession : IAsyncDisposable
{
    /// <summary>Larger server frames are taken for a broken length (the longest line a server need send is far shorter).</summary>
    private const int MaxServerData = ChatWire.MaxServerDataBytes;

    private readonly List<string> _frames = [];

    private ChatSession(RawConnection connection, string label)
    {
        Connection = connection;
        Label = label;
    }

    /// <summary>Who this is in reasons, e.g. <c>a1b2c01's connection</c>.</summary>
    public string Label { get; private set; }

    /// <summary>The username this connection was accepted with, once it was.</summary>
    public string? Name { get; private set; }

    public RawConnection Connection { get; }

    /// <summary>Every frame's text received so far, in order (not UTF-8 shown as hex).</summary>
    public IReadOnlyList<string> Frames => _frames;

    /// <summary>Connects and reads the server's first frame (the handout's "accept" code; its text is the server's choice).</summary>
    /// <exception cref="CheckFailedException">No connection, or no complete frame first.</exception>
    public static async Task<ChatSession> OpenAsync(ServerTarget target, string label, TimeSpan limit, CancellationToken ct)
    {
        var session = new ChatSession(await target.ConnectAsync(ct).ConfigureAwait(false), label);
        try
        {
            var (first, end) = await session.ReadFrameAsync(limit, ct).ConfigureAwait(false);
            if (first is null)
            {
                throw new CheckFailedException($"{label}: expected a first frame after connecting (the handout's \"accept\" code, [datalen u32 BE][data]), got {end}");
            }
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Connects, reads the first frame, sends <paramref name="name"/> and reads one answer: the name is then taken as accepted.</summary>
    public static async Task<ChatSession> JoinAsync(ServerTarget target, string name, TimeSpan limit, CancellationToken ct)
    {
        var session = await OpenAsync(target, $"{name}'s connection", limit, ct).ConfigureAwait(false);
        try
        {
            await session.SendNameAsync(name, limit, ct).ConfigureAwait(false);
            return session;
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends a username and reads the server's answer (any frame); the session takes that name.</summary>
    public async Task SendNameAsync(string name, TimeSpan limit, CancellationToken ct)
    {
        await SendAsync(name, ct).ConfigureAwait(false);
        var (answer, end) = await ReadFrameAsync(limit, ct).ConfigureAwait(false);
        if (answer is null)
        {
            throw new CheckFailedException($"{Label}: expected an answer to the username {ByteText.Quote(name)} (frame {Describe(ChatFrameCodec.Encode(name))}), got {end}");
        }
        Name = name;
        Label = $"{name}'s connection";
    }

    /// <summary>Sends one frame holding <paramref name="text"/>.</summary>
    public Task<bool> SendAsync(string text, CancellationToken ct) => Connection.SendAsync(ChatFrameCodec.Encode(text), ct);

    /// <summary>
    /// Reads frames until one satisfies <paramref name="match"/>, which it returns.
    /// </summary>
    /// <exception cref="CheckFailedException">The limit passed or the connection ended first: the reason names <paramref name="expected"/> and what came instead.</exception>
    public async Task<string> WaitForAsync(Func<string, bool> match, string expected, TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var from = _frames.Count;
        while (true)
        {
            var (text, end) = await ReadFrameAsync(limit - clock.Elapsed, ct).ConfigureAwait(false);
            if (text is null)
            {
                var seen = _frames.Skip(from).ToList();
                var got = seen.Count == 0 ? "no frame" : $"{seen.Count} other frame{(seen.Count == 1 ? "" : "s")} ({string.Join(", ", seen.TakeLast(4).Select(ByteText.Quote))})";
                throw new CheckFailedException($"{Label}: expected {expected} within {limit.TotalSeconds:0.#} s; got {got}, then {end}");
            }
            if (match(text))
            {
                return text;
            }
        }
    }

    /// <summary>Waits for the frame whose text is exactly <paramref name="text"/> (frames before it are kept).</summary>
    public Task<string> WaitForExactAsync(string text, TimeSpan limit, CancellationToken ct) =>
        WaitForAsync(t => t == text, $"the frame {ByteText.Quote(text)} ({Describe(ChatFrameCodec.Encode(text))})", limit, ct);

    /// <summary>The first frame received so far that contains <paramref name="fragment"/>, or null.</summary>
    public string? Received(string fragment) => _frames.FirstOrDefault(f => f.Contains(fragment, StringComparison.Ordinal));

    /// <summary>One frame's text, or null and how the read ended (timed out, closed, a broken length).</summary>
    private async Task<(string? Text, string End)> ReadFrameAsync(TimeSpan limit, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        var header = await Connection.ReadAsync(ChatWire.HeaderSize, Positive(limit), ct).ConfigureAwait(false);
        if (header.End != ReadEnd.Complete)
        {
            return (null, header.Describe());
        }
        var length = BinaryPrimitives.ReadUInt32BigEndian(header.Bytes);
        if (length > MaxServerData)
        {
            throw new CheckFailedException($"{Label}: a frame header {ByteText.Spaced(header.Bytes)} announces datalen {length}, over any line a chat server sends ({MaxServerData} bytes): the stream is out of step");
        }
        var data = await Connection.ReadAsync((int)length, Positive(limit - clock.Elapsed), ct).ConfigureAwait(false);
        if (data.End != ReadEnd.Complete)
        {
            return (null, $"a header {ByteText.Spaced(header.Bytes)} (datalen {length}) but then {data.Describe()}");
        }
        var text = System.Text.Unicode.Utf8.IsValid(data.Bytes) ? Encoding.UTF8.GetString(data.Bytes) : $"[not UTF-8: {ByteText.Spaced(data.Bytes)}]";
        _frames.Add(text);
        return (text, "");
    }

    private static TimeSpan Positive(TimeSpan t) => t > TimeSpan.Zero ? t : TimeSpan.FromMilliseconds(1);

    /// <summary>e.g. <c>00 00 00 05 61 6c 69 63 65</c>.</summary>
    public static string Describe(byte[] frame) => ByteText.Spaced(frame, 24);

    public ValueTask DisposeAsync() => Connection.DisposeAsync();
}
