using System.Threading.Channels;
using Switchboard.Protocol.Talk;
using Switchboard.Transport.Client;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Talk;

/// <summary>What the connection delivered: a line, the server's close, or a failure.</summary>
internal abstract record FromServer;

internal sealed record ServerLine(string Text) : FromServer;

internal sealed record ServerClosed(long PartialBytes) : FromServer;

internal sealed record ServerFailed(Exception Error) : FromServer;

/// <summary>The client's side of the lock-step.</summary>
internal sealed class ClientConversation(
    TalkClientOptions options, TalkConsole console, UserLines user, ClientConnection connection, ChannelReader<FromServer> incoming)
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
            catch (Exception e) when (e is PeerClosedException or IOException)
            {
                // The connection is gone; the receiver reports how (a clean close, a busy line, a reset).
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
        FromServer item;
        try
        {
            item = await incoming.ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            item = new ServerClosed(0);
        }
        switch (item)
        {
            case ServerLine { Text: var text }:
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
            case ServerClosed { PartialBytes: var partial }:
                await console.NoticeAsync(partial == 0
                    ? "the server hung up"
                    : $"the server hung up in the middle of a line ({Protocol.Utf8Text.Bytes(partial)} without a newline, not shown)").ConfigureAwait(false);
                return TalkClientEnd.ServerHungUp;
            case ServerFailed { Error: var error }:
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                return null;
            default:
                throw new InvalidOperationException($"unexpected delivery {item}");
        }
    }
}
