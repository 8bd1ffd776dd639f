using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol.Talk;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;

namespace Switchboard.Services.Talk;

/// <summary>
/// Kestrel's entry point for each talk connection: the first caller gets the conversation, anyone calling
/// meanwhile hears the busy line and is closed rather than left hanging in the listen backlog.
/// </summary>
internal sealed class TalkConnectionHandler(TalkLine line, ILoggerFactory logs, SwitchboardMetrics metrics)
    : ServiceConnectionHandler(TalkServer.ServiceName, logs.CreateLogger(TalkServer.ServiceName), metrics)
{
    protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
    {
        if (!line.TryPickUp())
        {
            await TurnAwayAsync(connection, peer, serverStopping).ConfigureAwait(false);
            return;
        }
        TalkCallEnd end;
        try
        {
            var conversation = new TalkConversation(line, connection.Transport.Input, connection.Transport.Output, peer, Logger, Metrics);
            end = await conversation.RunAsync(serverStopping).ConfigureAwait(false);
        }
        finally
        {
            line.HangUp();
        }
        if (end is not (TalkCallEnd.EndOfInput or TalkCallEnd.ShuttingDown) && !serverStopping.IsCancellationRequested)
        {
            await line.User.ShowNoticeAsync($"waiting for a caller on port {line.Port}").ConfigureAwait(false);
        }
    }

    private async Task TurnAwayAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
    {
        Metrics.Reject(Service, "line-busy");
        Logger.LogInformation("{Peer}: turned away: line busy", peer);
        await line.User.ShowNoticeAsync($"turned away {peer}: the line is busy").ConfigureAwait(false);
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(serverStopping);
        linger.CancelAfter(line.Options.BusyLinger);
        var input = connection.Transport.Input;
        var output = connection.Transport.Output;
        try
        {
            await output.WriteAsync(TalkLineEncoder.Encode(TalkWire.BusyLine), linger.Token).ConfigureAwait(false);
            await output.CompleteAsync().ConfigureAwait(false);
            // Read until the caller closes: closing with its bytes unread would reset the connection,
            // and a reset may destroy the busy line before the caller has read it.
            while (true)
            {
                var result = await input.ReadAsync(linger.Token).ConfigureAwait(false);
                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The caller lingered past BusyLinger, or the server is stopping: closing is all that is left.
        }
        catch (Exception e) when (e is IOException or ConnectionAbortedException)
        {
            // The caller went away first, which is what we wanted.
        }
    }
}
