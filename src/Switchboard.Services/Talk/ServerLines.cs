using System.Net.Sockets;
using System.Threading.Channels;
using Switchboard.Protocol;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Talk;

/// <summary>
/// Reads the server's lines for <see cref="TalkClient"/> as they come, one at a time into a channel of one:
/// the client learns of a hang-up even while its user is typing, and a server that floods lines is not
/// read further than one line ahead.
/// </summary>
internal sealed class ServerLines(TalkMessageReader reader, TimeSpan gap, string peer)
{

    /// <summary>Runs until the connection ends or <paramref name="cancellationToken"/> fires; never throws.</summary>
    public async Task RunAsync(ChannelWriter<FromServer> writer, CancellationToken cancellationToken)
    {
        FromServer last;
        try
        {
            using var timer = new GapTimer(gap, cancellationToken);
            while (true)
            {
                // A person is typing at the other end: idle time before a line is no stall.
                var line = await reader.ReadAsync(timer).ConfigureAwait(false);
                await writer.WriteAsync(new ServerLine(line), cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
            return;
        }
        catch (PeerClosedException)
        {
            last = new ServerClosed(reader.PendingBytes);
        }
        catch (SwitchboardException e)
        {
            last = new ServerFailed(e);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            var why = (e.InnerException as SocketException)?.Message ?? e.Message;
            last = new ServerFailed(new ConnectionLostException($"connection to {peer} lost: {why}", e));
        }
        try
        {
            await writer.WriteAsync(last, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The conversation is over; nobody is waiting for this.
        }
        writer.TryComplete();
    }
}
