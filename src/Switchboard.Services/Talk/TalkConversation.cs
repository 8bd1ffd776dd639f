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
/// server user's line and send it, until either side hangs up. Never throws for the caller's faults:
/// every ending is reported on stderr and the server goes back to waiting.
/// </summary>
internal sealed class TalkConversation(TalkLine line, PipeReader input, PipeWriter output, string peer, ILogger logger, SwitchboardMetrics metrics)
{
    private const string Service = TalkServer.ServiceName;

    private readonly UnfinishedLineDecoder _decoder = new(line.Decoder);

    private TalkConsole Console => line.Console;

    public async Task<TalkCallEnd> RunAsync(CancellationToken stopping)
    {
        await Console.NoticeAsync($"{peer} connected; waiting for their line").ConfigureAwait(false);
        using var timer = new GapTimer(line.Options.GapTimeout, stopping);
        TalkCallEnd end;
        try
        {
            end = await ConverseAsync(timer, stopping).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            await Console.NoticeAsync($"shutting down: hanging up on {peer}").ConfigureAwait(false);
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
                heard = await input.ReadFrameAsync(_decoder, timer, TalkWire.RecordName, idleUntilFirstByte: true).ConfigureAwait(false);
            }
            catch (PeerClosedException)
            {
                var partial = _decoder.PendingBytes;
                await Console.NoticeAsync(partial == 0
                    ? $"{peer} hung up"
                    : $"{peer} hung up in the middle of a line ({Utf8Text.Bytes(partial)} without a newline, not shown)").ConfigureAwait(false);
                return TalkCallEnd.CallerHungUp;
            }
            metrics.Request(Service, "line-received");
            metrics.BytesReceived(Service, Utf8Text.ByteCount(heard) + 1);
            if (heard == TalkWire.HangUp)
            {
                // The handout's programs close instead of sending EXIT; some students' send it first.
                await Console.NoticeAsync($"{peer} sent EXIT; hung up").ConfigureAwait(false);
                return TalkCallEnd.CallerHungUp;
            }
            await Console.PrintAsync(heard).ConfigureAwait(false);

            var reply = await NextReplyAsync(stopping).ConfigureAwait(false);
            if (reply is null)
            {
                var why = line.User.Failure is { } failure ? $"standard input failed ({failure})" : "end of standard input";
                await Console.NoticeAsync($"{why}: hanging up on {peer} and shutting down").ConfigureAwait(false);
                line.EndOfInput();
                return TalkCallEnd.EndOfInput;
            }
            if (reply == TalkWire.HangUp)
            {
                await Console.NoticeAsync($"hung up on {peer}").ConfigureAwait(false);
                return TalkCallEnd.ServerHungUp;
            }
            var bytes = TalkLineEncoder.Encode(reply, line.Options.MaxLineBytes);
            try
            {
                await output.WriteWithGapAsync(bytes, timer, TalkWire.RecordName).ConfigureAwait(false);
            }
            catch (PeerClosedException)
            {
                await Console.NoticeAsync($"{peer} hung up before your line was delivered").ConfigureAwait(false);
                return TalkCallEnd.CallerHungUp;
            }
            metrics.Request(Service, "line-sent");
            metrics.BytesSent(Service, bytes.Length);
        }
    }

    /// <summary>The server user's next line to send: null at end of input, EXIT, or a line that fits the limit.</summary>
    private async Task<string?> NextReplyAsync(CancellationToken stopping)
    {
        while (true)
        {
            await Console.PromptAsync().ConfigureAwait(false);
            var reply = await line.User.ReadLineAsync(stopping).ConfigureAwait(false);
            if (reply is null || reply == TalkWire.HangUp)
            {
                return reply;
            }
            if (TalkLineEncoder.Problem(reply, line.Options.MaxLineBytes) is not { } problem)
            {
                return reply;
            }
            // Nothing was sent, so lock-step still holds: the user may try again.
            await Console.ErrorAsync($"line not sent: {problem}; type a shorter one").ConfigureAwait(false);
        }
    }

    private async Task FailAsync(string reason, string message)
    {
        metrics.Reject(Service, reason);
        logger.LogInformation("{Peer}: {Message}", peer, message);
        await Console.ErrorAsync($"{peer}: {message}").ConfigureAwait(false);
    }
}
