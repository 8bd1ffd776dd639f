using System.IO.Pipelines;
using Switchboard.Protocol;
using Switchboard.Protocol.Chat;
using Switchboard.Transport.Client;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Chat;

/// <summary>What the server answered to a username.</summary>
public abstract record UsernameReply
{
    public sealed record Accepted(string PairingCode) : UsernameReply;

    public sealed record InUse : UsernameReply;

    public sealed record Invalid : UsernameReply;
}

/// <summary>Something the server sent after negotiation.</summary>
public readonly record struct ChatIncoming(ChatIncomingKind Kind, string Text)
{
    public static ChatIncoming Closed { get; } = new(ChatIncomingKind.Closed, string.Empty);
}

public enum ChatIncomingKind
{
    /// <summary>A display line: show it.</summary>
    Line,

    /// <summary>The server announced it is shutting down; it closes next.</summary>
    Shutdown,

    /// <summary>The server closed the connection.</summary>
    Closed,
}

/// <summary>
/// The network side of a chat client (participant or observer), no console: connect and admission, username or
/// pairing negotiation, sending lines, receiving frames. One task may receive while another sends.
/// </summary>
public sealed class ChatClient : IAsyncDisposable
{
    private readonly ClientConnection _connection;
    private readonly GapTimer _receiveTimer;
    private readonly GapTimer _sendTimer;
    private readonly string _server;

    private ChatClient(ClientConnection connection, string server, TimeSpan gap)
    {
        _connection = connection;
        _server = server;
        _receiveTimer = new GapTimer(gap);
        _sendTimer = new GapTimer(gap);
    }

    /// <summary>Where the client is connected, for messages.</summary>
    public string Server => _server;

    /// <summary>
    /// Connects and reads the server's admission: returns on <c>accept</c>, throws <see cref="ChatSessionEndedException"/>
    /// on <c>full</c> or anything else.
    /// </summary>
    public static async Task<ChatClient> ConnectAsync(string host, int port, TimeSpan connectTimeout, CancellationToken cancellationToken)
    {
        var connection = await ClientConnection.ConnectAsync(host, port, connectTimeout, cancellationToken).ConfigureAwait(false);
        var client = new ChatClient(connection, $"{host} port {port}", TimeSpan.FromSeconds(30));
        try
        {
            var first = await client.ReadFrameAsync(idle: false, cancellationToken).ConfigureAwait(false);
            switch (first)
            {
                case ChatCodes.Accept:
                    return client;
                case ChatCodes.Full:
                    throw new ChatSessionEndedException($"the chat server at {client.Server} is full; try again later", "full");
                case null:
                    throw new ChatSessionEndedException($"the chat server at {client.Server} closed the connection without a word", "closed");
                default:
                    throw new ChatSessionEndedException($"the server at {client.Server} does not speak the chat protocol: it sent '{Shorten(first)}' instead of accept or full", "not-chat");
            }
        }
        catch
        {
            await client.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Proposes a username and reads the answer (and, on acceptance, the pairing code).</summary>
    public async Task<UsernameReply> ChooseUsernameAsync(string name, CancellationToken cancellationToken)
    {
        await SendAsync(name, cancellationToken).ConfigureAwait(false);
        var answer = await ReadFrameAsync(idle: true, cancellationToken).ConfigureAwait(false);
        switch (answer)
        {
            case ChatCodes.UsernameAccepted:
                var code = await ReadFrameAsync(idle: false, cancellationToken).ConfigureAwait(false);
                return ChatCodes.TryParsePairingCode(code ?? string.Empty, out var pairing)
                    ? new UsernameReply.Accepted(pairing)
                    : new UsernameReply.Accepted(string.Empty);
            case ChatCodes.UsernameInUse:
                return new UsernameReply.InUse();
            case ChatCodes.UsernameInvalid:
                return new UsernameReply.Invalid();
            default:
                throw Ended(answer, "choosing a username");
        }
    }

    /// <summary>Presents a participant's name and pairing code (observers).</summary>
    public async Task<PairingOutcome> PairAsync(string name, string code, CancellationToken cancellationToken)
    {
        await SendAsync(new PairingRequest(name, code).ToFrame(), cancellationToken).ConfigureAwait(false);
        var answer = await ReadFrameAsync(idle: true, cancellationToken).ConfigureAwait(false);
        return answer switch
        {
            ChatCodes.ObserverAccepted => PairingOutcome.Accepted,
            ChatCodes.ObserverInvalid => PairingOutcome.Invalid,
            ChatCodes.ObserverInUse => PairingOutcome.InUse,
            _ => throw Ended(answer, "pairing"),
        };
    }

    /// <summary>Sends one line (a message, or <c>/who</c>).</summary>
    public async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        var frame = ChatFrameCodec.Encode(text);
        await _connection.Output.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await _connection.Output.FlushWithGapAsync(_sendTimer, "a chat message").ConfigureAwait(false);
    }

    /// <summary>The next thing from the server; waits as long as the room is quiet.</summary>
    public async Task<ChatIncoming> ReceiveAsync(CancellationToken cancellationToken)
    {
        var frame = await ReadFrameAsync(idle: true, cancellationToken).ConfigureAwait(false);
        return frame switch
        {
            null => ChatIncoming.Closed,
            ChatCodes.ServerShutdown => new ChatIncoming(ChatIncomingKind.Shutdown, frame),
            _ => new ChatIncoming(ChatIncomingKind.Line, frame),
        };
    }

    /// <summary>Closes the connection (leaving the room).</summary>
    public async ValueTask DisposeAsync()
    {
        _connection.ShutdownSend();
        await _connection.DisposeAsync().ConfigureAwait(false);
        _receiveTimer.Dispose();
        _sendTimer.Dispose();
    }

    private async Task<string?> ReadFrameAsync(bool idle, CancellationToken cancellationToken)
    {
        using var registration = cancellationToken.Register(static r => ((PipeReader)r!).CancelPendingRead(), _connection.Input);
        FrameReadResult<string> result;
        try
        {
            result = await _connection.Input.TryReadFrameAsync(ChatFrameCodec.FromServer, _receiveTimer, ChatWire.RecordName, idle).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (Exception e) when (e is IOException or PeerClosedException)
        {
            // Reset, or closed part-way through a frame: either way the server is gone.
            return null;
        }
        return result.IsClosed ? null : result.Frame;
    }

    private ChatSessionEndedException Ended(string? frame, string during) => frame switch
    {
        null => new ChatSessionEndedException($"the server at {Server} closed the connection while {during}", "closed"),
        ChatCodes.ServerShutdown => new ChatSessionEndedException($"the server at {Server} is shutting down", "shutdown"),
        ChatCodes.UsernameTimeout => new ChatSessionEndedException("no username was accepted in time; the server closed the connection", "username-timeout"),
        ChatCodes.ObserverRefused => new ChatSessionEndedException("pairing refused (too many failed tries, or too slow); the server closed the connection", "observer-refused"),
        _ => new ChatSessionEndedException($"unexpected answer while {during}: '{Shorten(frame)}'", "unexpected"),
    };

    private static string Shorten(string text) => CodePoints.Shorten(text, 60);
}
