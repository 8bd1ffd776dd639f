using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Talk;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Talk;

/// <summary>How a server-side conversation ended.</summary>
public enum TalkCallEnd
{
    /// <summary>The caller closed the connection (or sent EXIT).</summary>
    CallerHungUp,

    /// <summary>The server's user typed EXIT.</summary>
    ServerHungUp,

    /// <summary>The server's standard input ended: the server shuts down.</summary>
    EndOfInput,

    /// <summary>The server is stopping (Ctrl+C).</summary>
    ShuttingDown,

    /// <summary>Network error or a malformed line; reported on stderr.</summary>
    Failed,
}

/// <summary>
/// One caller, in the handout's lock-step: wait for the caller's line and print it, then read the
/// server user's line and send it, until either side hangs up. While the user is typing the connection is
/// still watched, so a caller who hangs up is reported at once and the line freed for the next caller.
/// Never throws for the caller's faults: every ending is reported and the server goes back to waiting.
/// </summary>
internal sealed class TalkConversation(TalkLine line, PipeReader input, PipeWriter output, string peer, ILogger logger, SwitchboardMetrics metrics)
{
    private const string Service = TalkServer.ServiceName;

    private readonly TalkMessageReader _reader = new(input, line.Decoder, line.Options.QuietPeriod);

    private ITalkUser User => line.User;

    public async Task<TalkCallEnd> RunAsync(CancellationToken stopping)
    {
        await User.ShowNoticeAsync($"{peer} connected; waiting for their line").ConfigureAwait(false);
        using var timer = new GapTimer(line.Options.Limits.GapTimeout, stopping);
        TalkCallEnd end;
        try
        {
            end = await ConverseAsync(timer, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await User.ShowNoticeAsync($"shutting down: hanging up on {peer}").ConfigureAwait(false);
            end = TalkCallEnd.ShuttingDown;
        }
        catch (SwitchboardException e)
        {
            await FailAsync(e.Reason, e.Message).ConfigureAwait(false);
            end = TalkCallEnd.Failed;
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException)
        {
            await FailAsync("network", $"connection lost: {e.Message}").ConfigureAwait(false);
            end = TalkCallEnd.Failed;
        }
        logger.LogInformation("{Peer}: conversation ended: {End}", peer, end);
        return end;
    }

    private async Task<TalkCallEnd> ConverseAsync(GapTimer timer, CancellationToken stopping)
    {
        while (true)
        {
            string heard;
            try
            {
                heard = await _reader.ReadAsync(timer).ConfigureAwait(false);
            }
            catch (PeerClosedException)
            {
                var partial = _reader.PendingBytes;
                await User.ShowNoticeAsync(partial == 0
                    ? $"{peer} hung up"
                    : $"{peer} hung up in the middle of a line ({Utf8Text.Bytes(partial)} without a newline, not shown)").ConfigureAwait(false);
                return TalkCallEnd.CallerHungUp;
            }
            metrics.Request(Service, "line-received");
            metrics.BytesReceived(Service, Utf8Text.ByteCount(heard) + (_reader.Style == PeerStyle.Bare ? 0 : 1));
            if (heard == TalkWire.HangUp)
            {
                // The handout's programs close instead of sending EXIT; some students' send it first.
                await User.ShowNoticeAsync($"{peer} sent EXIT; hung up").ConfigureAwait(false);
                return TalkCallEnd.CallerHungUp;
            }
            await User.ShowLineAsync(heard).ConfigureAwait(false);

            var (reply, callerGone) = await NextReplyAsync(stopping).ConfigureAwait(false);
            if (callerGone)
            {
                await User.ShowNoticeAsync($"{peer} hung up").ConfigureAwait(false);
                return TalkCallEnd.CallerHungUp;
            }
            if (reply is null)
            {
                var why = User.InputFailure is { } failure ? $"standard input failed ({failure})" : "end of standard input";
                await User.ShowNoticeAsync($"{why}: hanging up on {peer} and shutting down").ConfigureAwait(false);
                line.EndOfInput();
                return TalkCallEnd.EndOfInput;
            }
            if (reply == TalkWire.HangUp)
            {
                await User.ShowNoticeAsync($"hung up on {peer}").ConfigureAwait(false);
                return TalkCallEnd.ServerHungUp;
            }
            var bytes = _reader.Encode(reply, line.Options.MaxLineBytes);
            try
            {
                await output.WriteWithGapAsync(bytes, timer, TalkWire.RecordName).ConfigureAwait(false);
            }
            catch (PeerClosedException)
            {
                await User.ShowNoticeAsync($"{peer} hung up before your line was delivered").ConfigureAwait(false);
                return TalkCallEnd.CallerHungUp;
            }
            metrics.Request(Service, "line-sent");
            metrics.BytesSent(Service, bytes.Length);
        }
    }

    /// <summary>
    /// The server user's next line to send (null at end of input, EXIT, or a line that fits the limit),
    /// or <c>CallerGone</c> when the caller hung up while the user was typing. An unfinished typing wait is
    /// given up, not its line: whatever the user types next goes to the next caller.
    /// </summary>
    private async Task<(string? Reply, bool CallerGone)> NextReplyAsync(CancellationToken stopping)
    {
        using var stopWatching = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var watching = _reader.WatchForCloseAsync(stopWatching.Token);
        var watchActive = true;
        try
        {
            while (true)
            {
                using var stopTyping = CancellationTokenSource.CreateLinkedTokenSource(stopping);
                var typing = User.ReadLineAsync(stopTyping.Token);
                if (watchActive && await Task.WhenAny(typing, watching).ConfigureAwait(false) == watching)
                {
                    if (watching.IsCompletedSuccessfully && !await watching.ConfigureAwait(false))
                    {
                        // The caller spoke out of turn: its bytes wait for the next read; only the user is awaited now.
                        watchActive = false;
                    }
                    else
                    {
                        await stopTyping.CancelAsync().ConfigureAwait(false);
                        await IgnoreCancellationAsync(typing).ConfigureAwait(false);
                        // A clean close is CallerGone; a reset or shutdown surfaces here as its exception.
                        return (null, await watching.ConfigureAwait(false));
                    }
                }
                var reply = await typing.ConfigureAwait(false);
                if (reply is null || reply == TalkWire.HangUp || TalkLineEncoder.Problem(reply, line.Options.MaxLineBytes) is not { } problem)
                {
                    return (reply, false);
                }
                // Nothing was sent, so lock-step still holds: the user may try again.
                await User.ShowErrorAsync($"line not sent: {problem}; type a shorter one").ConfigureAwait(false);
            }
        }
        finally
        {
            await stopWatching.CancelAsync().ConfigureAwait(false);
            try
            {
                await watching.ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or IOException or ConnectionAbortedException)
            {
                // Stopped on purpose; a reset that raced the user's line shows up on the next read or write.
            }
        }
    }

    private static async Task IgnoreCancellationAsync(Task<string?> typing)
    {
        try
        {
            await typing.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task FailAsync(string reason, string message)
    {
        metrics.Reject(Service, reason);
        logger.LogInformation("{Peer}: {Message}", peer, message);
        await User.ShowErrorAsync($"{peer}: {message}").ConfigureAwait(false);
    }
}
