using System.Diagnostics;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Logging;
using Switchboard.Protocol;
using Switchboard.Protocol.Files;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Hosting;
using Switchboard.Transport.Observability;
using Switchboard.Transport.Sockets;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Files;

/// <summary>
/// The files server (handout 004): one FileRequest per connection, answered with a FileResponse and,
/// for status 1, the file's bytes; then the connection is closed. Hosted by Kestrel, so many downloads
/// run at once; each is bounded by the gap rule, the request by the request deadline.
/// </summary>
public sealed class FilesServer : ServiceConnectionHandler
{
    private readonly FilesServerOptions options;

    public FilesServer(ILoggerFactory logs, SwitchboardMetrics metrics, FilesServerOptions options)
        : base(FilesEndpoint.Service, logs.CreateLogger(FilesEndpoint.Service), metrics)
    {
        this.options = options;
        // Kestrel builds handlers at start-up, so this line appears with "listening on".
        Logger.LogInformation("serving {Root} ({Check}, {Send}, {Links})", options.Root.RealPath,
            LinuxFiles.IsSupported ? "opened-handle location check" : "portable location check",
            options.ZeroCopy ? "zero-copy sends" : "buffered sends",
            options.AllowHardLinks ? "hard-linked files served" : "hard-linked files refused");
    }

    protected override async Task HandleAsync(ConnectionContext connection, string peer, CancellationToken serverStopping)
    {
        var started = Stopwatch.GetTimestamp();
        // Not linked to serverStopping: a download under way is an in-flight exchange that shutdown lets
        // finish; the host aborts it if it outlasts the shutdown timeout, and the gap rule bounds each stall.
        using var timer = new GapTimer(options.Limits.GapTimeout);
        timer.StartDeadline(options.Limits.RequestTimeout);
        var input = connection.Transport.Input;
        var request = await input.ReadFrameAsync(FileRequestCodec.Instance, timer, FileRequestCodec.RecordName).ConfigureAwait(false);
        timer.ClearDeadline();
        Metrics.BytesReceived(Service, FilesWire.RequestHeaderSize + request.NameBytes.Length);

        var trailing = input.BufferedByteCount();
        if (trailing > 0)
        {
            // The handout's client counts FilenameLen in characters: a non-ASCII name then leaves bytes
            // over, and serving the truncated name would be a guess. Strict: nothing is sent.
            throw new ProtocolViolationException(FileRequestCodec.RecordName, new DecodeError(
                "FilenameLen", $"{request.NameBytes.Length} but {Utf8Text.Bytes(trailing)} followed the name", "the name's exact length in bytes", "trailing-bytes"));
        }

        // open, statx and readlink may wait on the disk: never on a socket thread, where inline completions may have brought us.
        await ThreadPoolHop.Leave();
        using var opened = FileOpener.Open(options.Root, request, options.AllowHardLinks);
        if (!opened.Found)
        {
            await connection.Transport.Output.WriteWithGapAsync(FileResponseCodec.EncodeHeader(FileResponseHeader.NotFound), timer, FileResponseCodec.RecordName).ConfigureAwait(false);
            Metrics.Request(Service, opened.Tag);
            Logger.LogInformation("{Peer}: {File}: status 0 ({Reason}); sent 0 bytes in {Ms} ms",
                peer, request.Display, opened.Detail, Milliseconds(started));
            return;
        }

        var header = FileResponseCodec.EncodeHeader(new FileResponseHeader(true, (uint)opened.Length));
        var sizer = new ChunkSizer(options.MinChunkBytes, options.MaxChunkBytes, options.Limits.GapTimeout);
        // The socket is used for progress readings on both paths, but written to only on the zero-copy one.
        var socket = connection.Features.Get<IConnectionSocketFeature>()?.Socket;
        var watchdog = new SendWatchdog(socket, timer);
        var zeroCopy = options.ZeroCopy && socket is not null;
        long sent = 0;
        try
        {
            sent = zeroCopy
                ? await FileSender.SendZeroCopyAsync(socket!, connection, header, opened.File!, opened.Length, watchdog, sizer, options.WholeFileSends, n => sent = n).ConfigureAwait(false)
                : await FileSender.SendBufferedAsync(connection, header, opened.File!, opened.Length, watchdog, n => sent = n).ConfigureAwait(false);
        }
        catch (Exception e) when (e is SwitchboardException
            || (serverStopping.IsCancellationRequested && (e is OperationCanceledException || ConnectionLostException.IsNetworkFailure(e))))
        {
            // One line saying what happened to this download, with the file and how far it got; the peer's
            // doing or the shutdown's, never a stack trace.
            Metrics.BytesSent(Service, sent);
            var progress = $"{sent} of {opened.Length} bytes in {Milliseconds(started)} ms";
            if (serverStopping.IsCancellationRequested)
            {
                // Shutdown waited for this download, then aborted it: whatever the abort surfaced as, that is the cause.
                Metrics.Reject(Service, "shutdown");
                Logger.LogWarning("{Peer}: {File}: status 1, cancelled by shutdown after {Progress}", peer, request.Display, progress);
            }
            else if (e is ConnectionLostException lost)
            {
                Metrics.Reject(Service, lost.Reason);
                Logger.LogWarning("{Peer}: {File}: status 1, connection lost after {Progress}: {Reason}", peer, request.Display, progress, lost.Message);
            }
            else
            {
                Metrics.Reject(Service, ((SwitchboardException)e).Reason);
                Logger.LogWarning("{Peer}: {File}: status 1, stopped after {Progress}: {Reason}", peer, request.Display, progress, e.Message);
            }
            return;
        }
        Metrics.BytesSent(Service, sent + header.Length);
        Metrics.Request(Service, "sent");
        Logger.LogInformation("{Peer}: {File}: status 1; sent {Bytes} bytes in {Ms} ms ({Path})",
            peer, request.Display, sent, Milliseconds(started), zeroCopy ? "zero-copy" : "buffered");
    }

    private static long Milliseconds(long started) => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
}
