using System.Diagnostics;
using System.Net.Sockets;
using Switchboard.Protocol;
using Switchboard.Protocol.Files;
using Switchboard.Transport.Client;
using Switchboard.Transport.Framing;
using Switchboard.Transport.Timeouts;

namespace Switchboard.Services.Files;

/// <summary>The outcome of a completed download.</summary>
public sealed record DownloadResult(string Path, long Bytes, TimeSpan Elapsed)
{
    public double MegabytesPerSecond => Bytes / 1e6 / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>
/// The files client (handout 004): asks for one file and saves it under the same name, all or nothing.
/// A file already at that name is never touched; the bytes land in a temporary file that becomes the
/// target only when exactly DataLength bytes arrived and the server then closed the connection.
/// No console here: the CLI prints the outcome and draws any progress bar from the reports.
/// </summary>
public static class FilesClient
{
    /// <summary>Downloads <paramref name="fileName"/> from the server to the same (relative or absolute) local path.</summary>
    /// <param name="progress">Given DataLength once the header has arrived, returns where to report the bytes
    /// received so far (or null for no reports). Reports come from the receive loop: keep them cheap.</param>
    /// <param name="saveAs">Save here instead of at <paramref name="fileName"/> relative to the current
    /// folder (tests and benches, which must not change the process-wide current folder).</param>
    /// <exception cref="SwitchboardException">Any failure, with the reason; nothing is left at the target.</exception>
    public static async Task<DownloadResult> DownloadAsync(
        string host, int port, string fileName, TransportLimits limits,
        Func<long, IProgress<long>?>? progress, CancellationToken cancellationToken, string? saveAs = null)
    {
        var path = DownloadTarget.Check(saveAs ?? fileName);
        if (saveAs is not null)
        {
            DownloadTarget.Check(fileName, checkLocalPath: false);
        }
        var request = FileRequestCodec.Encode(FileRequest.For(fileName));
        var started = Stopwatch.GetTimestamp();
        var server = $"server {host} port {port}";
        var name = FileNameDisplay.Format(fileName);

        await using var connection = await ClientConnection.ConnectAsync(host, port, limits.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        using var timer = new GapTimer(limits.GapTimeout, cancellationToken);
        FileResponseHeader header;
        try
        {
            await connection.Output.WriteWithGapAsync(request, timer, FileRequestCodec.RecordName).ConfigureAwait(false);
            header = await connection.Input.ReadFrameAsync(FileResponseCodec.Instance, timer, FileResponseCodec.RecordName).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException)
        {
            throw new ConnectionLostException($"connection to {server} lost before its answer for {name} arrived: {ConnectionLostException.Describe(e)}", e);
        }
        if (!header.Found)
        {
            throw new SwitchboardException($"file {name} not found on {server}");
        }

        await using var target = DownloadTarget.Create(path);
        var report = progress?.Invoke(header.DataLength);
        await ReceiveAsync(connection, target.Stream, header.DataLength, timer, report, $"{name} from {server}", cancellationToken).ConfigureAwait(false);
        await target.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new DownloadResult(path, header.DataLength, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Copies exactly <paramref name="length"/> bytes to <paramref name="file"/>, then requires the server to close.</summary>
    /// <param name="what">The file and server, for errors: <c>'a.txt' from server 127.0.0.1 port 5001</c>.</param>
    private static async Task ReceiveAsync(
        ClientConnection connection, FileStream file, long length, GapTimer timer, IProgress<long>? progress, string what, CancellationToken cancellationToken)
    {
        var reader = connection.Input;
        long received = 0;
        timer.Restart();
        while (true)
        {
            System.IO.Pipelines.ReadResult result;
            try
            {
                result = await reader.ReadAsync(timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timer.HasExpired)
            {
                throw timer.Expired(received < length
                    ? $"receiving file data ({received} of {length} bytes)"
                    : "waiting for the server to close after the data");
            }
            catch (Exception e) when (e is IOException or SocketException)
            {
                // Not .NET's "Unable to read data from the transport connection": say which download, how far it got.
                throw new ConnectionLostException(
                    $"connection lost after {received} of {length} bytes of {what}: {ConnectionLostException.Describe(e)}; discarding the download", e);
            }
            var buffer = result.Buffer;
            if (!buffer.IsEmpty)
            {
                if (buffer.Length > length - received)
                {
                    reader.AdvanceTo(buffer.End);
                    throw new SwitchboardException($"server sent more than DataLength ({length} bytes): at least {received + buffer.Length}; discarding the download");
                }
                foreach (var segment in buffer)
                {
                    await file.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
                }
                received += buffer.Length;
                progress?.Report(received);
                timer.Restart();
            }
            reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }
        if (received < length)
        {
            throw new PeerClosedException($"the server closed the connection after {received} of {length} bytes of {what}; discarding the download");
        }
    }
}
