using System.Threading.Channels;
using Switchboard.Protocol.Talk;
using Switchboard.Services.Common;
using Switchboard.Transport.Client;
using Switchboard.Transport.Framing;
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

    /// <summary>Cancelled (Ctrl+C): the user left.</summary>
    Interrupted,
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
    public static async Task<TalkClientEnd> RunAsync(TalkClientOptions options, ConsoleStreams streams, CancellationToken cancellationToken)
    {
        options.Validated();
        var console = new TalkConsole(streams, options.Verbosity);
        try
        {
            await using var connection = await ClientConnection.ConnectAsync(options.Host, options.Port, options.ConnectTimeout, cancellationToken).ConfigureAwait(false);
            var peer = PeerAddress.Format(connection.RemoteEndPoint);
            await console.NoticeAsync($"connected to {options.Host} port {options.Port} ({peer}); type a line and press Enter, EXIT to hang up").ConfigureAwait(false);

            using var stopReceiving = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            var incoming = Channel.CreateBounded<Incoming>(1);
            var receiver = new ServerLines(connection, new TalkLineDecoder(options.MaxLineBytes), options.GapTimeout, peer);
            var receiving = receiver.RunAsync(incoming.Writer, stopReceiving.Token);
            try
            {
                var conversation = new Conversation(options, console, new UserLines(streams.In), connection, incoming.Reader);
                return await conversation.RunAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await stopReceiving.CancelAsync().ConfigureAwait(false);
                await receiving.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.NoticeAsync("interrupted: hung up").ConfigureAwait(false);
            return TalkClientEnd.Interrupted;
        }
    }

    /// <summary>What the connection delivered: a line, the server's close, or a failure.</summary>
    internal abstract record Incoming;

    internal sealed record LineArrived(string Text) : Incoming;

    internal sealed record Closed(long PartialBytes) : Incoming;

    internal sealed record Failed(Exception Error) : Incoming;

    /// <summary>The client's side of the lock-step.</summary>
    private sealed class Conversation(
        TalkClientOptions options, TalkConsole console, UserLines user, ClientConnection connection, ChannelReader<Incoming> incoming)
    {
        private bool _heardAnything;

        public async Task<TalkClientEnd> RunAsync(CancellationToken cancellationToken)
        {
            using var writeTimer = new GapTimer(options.GapTimeout, cancellationToken);
            Task<string?>? typing = null;
            Task<bool>? arriving = null;
            while (true)
            {
                // The user's turn. Anything arriving now is out of turn: a hang-up, a busy line, or a
                // server that does not keep to lock-step; show it and keep waiting for the user.
                if (typing is null)
                {
                    await console.PromptAsync().ConfigureAwait(false);
                    typing = user.ReadLineAsync(cancellationToken);
                }
                arriving ??= incoming.WaitToReadAsync(cancellationToken).AsTask();
                if (await Task.WhenAny(typing, arriving).ConfigureAwait(false) == arriving)
                {
                    arriving = null;
                    if (await TakeIncomingAsync(cancellationToken).ConfigureAwait(false) is { } early)
                    {
                        return early;
                    }
                    continue;
                }

                var line = await typing.ConfigureAwait(false);
                typing = null;
                if (line is null)
                {
                    var why = user.Failure is { } failure ? $"standard input failed ({failure})" : "end of input";
                    await console.NoticeAsync($"{why}: hung up").ConfigureAwait(false);
                    return TalkClientEnd.EndOfInput;
                }
                if (line == TalkWire.HangUp)
                {
                    await console.NoticeAsync("hung up").ConfigureAwait(false);
                    return TalkClientEnd.HungUp;
                }
                if (TalkLineEncoder.Problem(line, options.MaxLineBytes) is { } problem)
                {
                    await console.ErrorAsync($"line not sent: {problem}; type a shorter one").ConfigureAwait(false);
                    continue;
                }
                try
                {
                    await connection.Output.WriteWithGapAsync(TalkLineEncoder.Encode(line, options.MaxLineBytes), writeTimer, TalkWire.RecordName).ConfigureAwait(false);
                }
                catch (PeerClosedException)
                {
                    // The receiver reports how: a clean close, a busy line, or a reset.
                }
                catch (IOException)
                {
                }

                // The server's turn.
                if (arriving is not null)
                {
                    await arriving.ConfigureAwait(false);
                    arriving = null;
                }
                if (await TakeIncomingAsync(cancellationToken).ConfigureAwait(false) is { } end)
                {
                    return end;
                }
            }
        }

        /// <summary>Waits for the next delivery; prints a line (null result) or says how the conversation ended.</summary>
        private async Task<TalkClientEnd?> TakeIncomingAsync(CancellationToken cancellationToken)
        {
            Incoming item;
            try
            {
                item = await incoming.ReadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (ChannelClosedException)
            {
                item = new Closed(0);
            }
            switch (item)
            {
                case LineArrived { Text: var text }:
                    var first = !_heardAnything;
                    _heardAnything = true;
                    if (first && text == TalkWire.BusyLine)
                    {
                        throw new LineBusyException($"line busy: {options.Host} port {options.Port} is talking to someone else; try again later");
                    }
                    if (text == TalkWire.HangUp)
                    {
                        await console.NoticeAsync("the server sent EXIT; hung up").ConfigureAwait(false);
                        return TalkClientEnd.ServerHungUp;
                    }
                    await console.PrintAsync(text).ConfigureAwait(false);
                    return null;
                case Closed { PartialBytes: var partial }:
                    await console.NoticeAsync(partial == 0
                        ? "the server hung up"
                        : $"the server hung up in the middle of a line ({Protocol.Utf8Text.Bytes(partial)} without a newline, not shown)").ConfigureAwait(false);
                    return TalkClientEnd.ServerHungUp;
                case Failed { Error: var error }:
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                    return null;
                default:
                    throw new InvalidOperationException($"unexpected delivery {item}");
            }
        }
    }
}
