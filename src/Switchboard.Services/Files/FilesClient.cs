using System.Diagnostics;
using System.Globalization;
using Switchboard.Protocol;
using Switchboard.Protocol.Files;
using Switchboard.Services.Common;
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
/// </summary>
public static class FilesClient
{
    /// <summary>Files above this size get a progress bar (when stderr is a terminal).</summary>
    public const long ProgressThreshold = 4 * 1024 * 1024;

    /// <summary><c>switchboard files client HOST PORT FILENAME</c>: downloads, prints the byte count and rate, returns 0.</summary>
    /// <exception cref="SwitchboardException">Any failure, with the reason; nothing is left at FILENAME.</exception>
    public static async Task<int> RunAsync(string host, int port, string fileName, ConsoleStreams console, TransportLimits limits, CancellationToken cancellationToken)
    {
        var showProgress = console.ErrorIsTerminal;
        var result = await DownloadAsync(host, port, fileName, limits, length =>
            showProgress && length > ProgressThreshold ? new ProgressDisplay(console.Error, fileName, length) : null,
            cancellationToken).ConfigureAwait(false);
        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"received {FileNameDisplay.Format(fileName)}: {result.Bytes} bytes in {result.Elapsed.TotalSeconds:0.000} s ({result.MegabytesPerSecond:0.0} MB/s)")).ConfigureAwait(false);
        return 0;
    }

    /// <summary>Downloads <paramref name="fileName"/> from the server to the same (relative or absolute) local path.</summary>
    /// <param name="progress">Given DataLength, returns a display to report to (or null for none).</param>
    /// <param name="saveAs">Save here instead of at <paramref name="fileName"/> relative to the current
    /// folder (tests and benches, which must not change the process-wide current folder).</param>
    public static async Task<DownloadResult> DownloadAsync(
        string host, int port, string fileName, TransportLimits limits,
        Func<long, ProgressDisplay?>? progress, CancellationToken cancellationToken, string? saveAs = null)
    {
        var path = DownloadTarget.Check(saveAs ?? fileName);
        if (saveAs is not null)
        {
            DownloadTarget.Check(fileName, checkLocalPath: false);
        }
        var request = FileRequestCodec.Encode(FileRequest.For(fileName));
        var started = Stopwatch.GetTimestamp();

        await using var connection = await ClientConnection.ConnectAsync(host, port, limits.ConnectTimeout, cancellationToken).ConfigureAwait(false);
        using var timer = new GapTimer(limits.GapTimeout, cancellationToken);
        await connection.Output.WriteWithGapAsync(request, timer, FileRequestCodec.RecordName).ConfigureAwait(false);
        var header = await connection.Input.ReadFrameAsync(FileResponseCodec.Instance, timer, FileResponseCodec.RecordName).ConfigureAwait(false);
        if (!header.Found)
        {
            throw new SwitchboardException($"file {FileNameDisplay.Format(fileName)} not found on server {host} port {port}");
        }

        await using var target = DownloadTarget.Create(path);
        var display = progress?.Invoke(header.DataLength);
        try
        {
            await ReceiveAsync(connection, target.Stream, header.DataLength, timer, display, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (display is not null)
            {
                await display.DisposeAsync().ConfigureAwait(false);
            }
        }
        await target.CommitAsync(cancellationToken).ConfigureAwait(false);
        return new DownloadResult(path, header.DataLength, Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Copies exactly <paramref name="length"/> bytes to <paramref name="file"/>, then requires the server to close.</summary>
    private static async Task ReceiveAsync(ClientConnection connection, FileStream file, long length, GapTimer timer, ProgressDisplay? display, CancellationToken cancellationToken)
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
                display?.Report(received);
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
            throw new PeerClosedException($"server closed the connection after {received} of {length} bytes; discarding the download");
        }
    }
}
