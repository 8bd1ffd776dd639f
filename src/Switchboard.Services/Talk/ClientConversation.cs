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
    TalkClientOptions options, ITalkUser user, ClientConnection connection, TalkMessageReader reader, ChannelReader<FromServer> incoming)
{
    private bool _heardAnything;

    /// <param name="connected">The notice that tells the user to start typing.</param>
    public async Task<TalkClientEnd> RunAsync(string connected, CancellationToken cancellationToken)
    {
        using var writeTimer = new GapTimer(options.Limits.GapTimeout, cancellationToken);
        Task<string?>? typing = null;
        Task<bool>? arriving = incoming.WaitToReadAsync(cancellationToken).AsTask();
        // A busy server answers at once and hangs up: a caller it turns away should hear only that, not
        // first be invited to type. One quiet period is ample for an answer that is already on its way.
        await Task.WhenAny(arriving, Task.Delay(options.QuietPeriod, cancellationToken)).ConfigureAwait(false);
        if (arriving.IsCompleted)
        {
            arriving = null;
            if (await TakeIncomingAsync(cancellationToken).ConfigureAwait(false) is { } early)
            {
                return early;
            }
        }
        await user.ShowNoticeAsync(connected).ConfigureAwait(false);
        while (true)
        {
            // The user's turn. Anything arriving now is out of turn: a hang-up, a busy line, or a
            // server that does not keep to lock-step; show it and keep waiting for the user.
            typing ??= user.ReadLineAsync(cancellationToken);
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
                var why = user.InputFailure is { } failure ? $"standard input failed ({failure})" : "end of input";
                await user.ShowNoticeAsync($"{why}: hung up").ConfigureAwait(false);
                return TalkClientEnd.EndOfInput;
            }
            if (line == TalkWire.HangUp)
            {
                await user.ShowNoticeAsync("hung up").ConfigureAwait(false);
                return TalkClientEnd.HungUp;
            }
            if (TalkLineEncoder.Problem(line, options.MaxLineBytes) is { } problem)
            {
                await user.ShowErrorAsync($"line not sent: {problem}; type a shorter one").ConfigureAwait(false);
                continue;
            }
            try
            {
                await connection.Output.WriteWithGapAsync(reader.Encode(line, options.MaxLineBytes), writeTimer, TalkWire.RecordName).ConfigureAwait(false);
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
                    await user.ShowNoticeAsync("the server sent EXIT; hung up").ConfigureAwait(false);
                    return TalkClientEnd.ServerHungUp;
                }
                await user.ShowLineAsync(text).ConfigureAwait(false);
                return null;
            case ServerClosed { PartialBytes: var partial }:
                await user.ShowNoticeAsync(partial == 0
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
