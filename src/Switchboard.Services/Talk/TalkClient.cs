using System.Threading.Channels;
using Switchboard.Protocol.Talk;
using Switchboard.Transport.Client;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Talk;

/// <summary>How a client conversation ended without an error (errors are thrown).</summary>
public enum TalkClientEnd
{
    /// <summary>The user typed EXIT.</summary>
    HungUp,

    /// <summary>Standard input ended, which counts as EXIT.</summary>
    EndOfInput,

    /// <summary>The server closed the connection (or sent EXIT).</summary>
    ServerHungUp,
}

/// <summary>
/// <c>switchboard talk client HOST PORT</c> (handout 003): send the user's line, wait for the server's and
/// print it, repeat. While it is the user's turn the connection is still watched, so a server that hangs
/// up or turns us away is reported at once instead of after the user's next line.
/// </summary>
public static class TalkClient
{
    /// <summary>Holds a conversation with the server until either side hangs up.</summary>
    /// <exception cref="ConnectFailedException">The host does not resolve or nobody answers.</exception>
    /// <exception cref="LineBusyException">The server is talking to someone else.</exception>
    /// <exception cref="ConnectionLostException">The connection broke.</exception>
    /// <exception cref="Protocol.ProtocolViolationException">The server sent a line that is too long or not UTF-8.</exception>
    /// <exception cref="PeerTimeoutException">A line stalled half-sent or half-received.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> fired (Ctrl+C): the connection is closed first.</exception>
    public static async Task<TalkClientEnd> RunAsync(TalkClientOptions options, ITalkUser user, CancellationToken cancellationToken)
    {
        options.Validated();
        await using var connection = await ClientConnection.ConnectAsync(options.Host, options.Port, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        var peer = PeerAddress.Format(connection.RemoteEndPoint);
        using var stopReceiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var incoming = Channel.CreateBounded<FromServer>(1);
        var reader = new TalkMessageReader(connection.Input, new TalkLineDecoder(options.MaxLineBytes), options.QuietPeriod);
        var receiver = new ServerLines(reader, options.Limits.GapTimeout, peer);
        var receiving = receiver.RunAsync(incoming.Writer, stopReceiving.Token);
        try
        {
            var conversation = new ClientConversation(options, user, connection, reader, incoming.Reader);
            return await conversation.RunAsync(
                $"connected to {options.Host} port {options.Port} ({peer}); type a line and press Enter, EXIT to hang up",
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await stopReceiving.CancelAsync().ConfigureAwait(false);
            await receiving.ConfigureAwait(false);
        }
    }
}
