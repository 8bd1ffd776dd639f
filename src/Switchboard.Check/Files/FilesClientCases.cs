using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Switchboard.Check.Common;
using Switchboard.Check.Core;
using Switchboard.Protocol.Files;

namespace Switchboard.Check.Files;

/// <summary>
/// Handout 004's client program (<c>client HOST PORT FILENAME</c>), run once per case in a folder of its own against
/// a scripted server: the exact FileRequest (FilenameLen in bytes), the file saved byte for byte, every malformed
/// or short answer refused with no file left behind, the 1 s gap rule, an existing file never overwritten, bad
/// ports refused, and never a traceback.
/// </summary>
internal static class FilesClientCases
{
    private const string NeedsFilename = "the command fixes its file name: let the checker choose it ({args} or no placeholders)";

    public static IReadOnlyList<CheckCase> All { get; } =
    [
        Case("downloads-file", "the request is 49 7e 01, FilenameLen, the name; the file is saved byte for byte", DownloadsFile),
        Case("utf8-name", "FilenameLen counts the name's UTF-8 bytes, not its characters", Utf8Name),
        Case("empty-file", "StatusCode 1 with DataLength 0 saves an empty file", EmptyFile),
        Case("large-file", "a 3 MiB file (many recv() calls) is saved byte for byte", LargeFile),
        Case("header-in-pieces", "a response header arriving one byte at a time is read whole", HeaderInPieces),
        Case("not-found", "StatusCode 0: a message, no file, no traceback", NotFound),
        Case("bad-magic", "MagicNo 0x497F in the response: refused, no file left", BadMagic),
        Case("bad-type", "Type 3 in the response: refused, no file left", BadType),
        Case("bad-status", "StatusCode 2: refused, no file left", BadStatus),
        Case("short-data", "400 of 1,000 announced bytes, then a close: an error, no file left", ShortData),
        Case("stalled-transfer", "400 of 1,000 bytes, then silence: the client gives up (1 s gap rule), no file left", StalledTransfer),
        Case("closed-before-header", "the server closes without answering: an error, no traceback, no file", ClosedBeforeHeader),
        Case("existing-file", "FILENAME already exists here: it is not overwritten", ExistingFile),
        Case("port-out-of-range", "port 70000 (the handout allows 1,024-64,000): refused without a traceback", PortOutOfRange),
        Case("port-not-a-number", "port 'abc': refused without a traceback", PortNotANumber),
    ];

    private static CheckCase Case(string name, string title, Func<CaseContext, CancellationToken, Task<CaseResult>> run) =>
        new($"files.client.{name}", title, run);

    /// <summary>What the scripted server sends once it has read a request (the request is judged first).</summary>
    private delegate Task Answer(RawConnection client, CancellationToken ct);

    private static Task<CaseResult> DownloadsFile(CaseContext ctx, CancellationToken ct) =>
        DownloadAsync(ctx, FilesFixtures.Small, Send(FilesRecords.FoundResponse(FilesFixtures.SmallContent)), FilesFixtures.SmallContent, ct);

    private static Task<CaseResult> Utf8Name(CaseContext ctx, CancellationToken ct) =>
        DownloadAsync(ctx, FilesFixtures.Utf8Name, Send(FilesRecords.FoundResponse(FilesFixtures.Utf8Content)), FilesFixtures.Utf8Content, ct);

    private static Task<CaseResult> EmptyFile(CaseContext ctx, CancellationToken ct) =>
        DownloadAsync(ctx, FilesFixtures.Empty, Send(FilesRecords.FoundResponse([])), [], ct);

    private static Task<CaseResult> LargeFile(CaseContext ctx, CancellationToken ct) =>
        DownloadAsync(ctx, FilesFixtures.Large, async (client, t) =>
        {
            var all = FilesRecords.FoundResponse(FilesFixtures.LargeContent);
            for (var i = 0; i < all.Length; i += 64 * 1024)
            {
                if (!await client.SendAsync(all.AsMemory(i, Math.Min(64 * 1024, all.Length - i)), t).ConfigureAwait(false))
                {
                    return;
                }
            }
        }, FilesFixtures.LargeContent, ct);

    private static Task<CaseResult> HeaderInPieces(CaseContext ctx, CancellationToken ct) =>
        DownloadAsync(ctx, FilesFixtures.Small, async (client, t) =>
        {
            var all = FilesRecords.FoundResponse(FilesFixtures.SmallContent);
            // 50 ms apart: far inside the gap rule, but each piece is its own recv() for a client that assumes a whole header.
            await client.SendSlowlyAsync(all.AsMemory(0, FilesWire.ResponseHeaderSize), 1, TimeSpan.FromMilliseconds(50), t).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(50), t).ConfigureAwait(false);
            await client.SendAsync(all.AsMemory(FilesWire.ResponseHeaderSize), t).ConfigureAwait(false);
        }, FilesFixtures.SmallContent, ct);

    private static Task<CaseResult> NotFound(CaseContext ctx, CancellationToken ct) =>
        RefusedAsync(ctx, Send(FilesRecords.NotFoundResponse), needsMessage: true, ct);

    private static Task<CaseResult> BadMagic(CaseContext ctx, CancellationToken ct) =>
        RefusedAsync(ctx, Send([.. FilesRecords.ResponseHeader(1, (uint)FilesFixtures.SmallContent.Length, magic: 0x497F), .. FilesFixtures.SmallContent]), needsMessage: false, ct);

    private static Task<CaseResult> BadType(CaseContext ctx, CancellationToken ct) =>
        RefusedAsync(ctx, Send([.. FilesRecords.ResponseHeader(1, (uint)FilesFixtures.SmallContent.Length, type: 3), .. FilesFixtures.SmallContent]), needsMessage: false, ct);

    private static Task<CaseResult> BadStatus(CaseContext ctx, CancellationToken ct) =>
        RefusedAsync(ctx, Send([.. FilesRecords.ResponseHeader(2, (uint)FilesFixtures.SmallContent.Length), .. FilesFixtures.SmallContent]), needsMessage: false, ct);

    private static Task<CaseResult> ShortData(CaseContext ctx, CancellationToken ct) =>
        RefusedAsync(ctx, Send([.. FilesRecords.ResponseHeader(1, 1000), .. FilesFixtures.LargeContent.AsSpan(0, 400)]), needsMessage: false, ct);

    private static Task<CaseResult> StalledTransfer(CaseContext ctx, CancellationToken ct) =>
        RefusedAsync(ctx, async (client, t) =>
        {
            byte[] partial = [.. FilesRecords.ResponseHeader(1, 1000), .. FilesFixtures.LargeContent.AsSpan(0, 400)];
            await client.SendAsync(partial, t).ConfigureAwait(false);
            // Silence, the connection held open: only the client's own timer can end this.
            await Task.Delay(Timeout.InfiniteTimeSpan, t).ConfigureAwait(false);
        }, needsMessage: false, ct);

    private static Task<CaseResult> ClosedBeforeHeader(CaseContext ctx, CancellationToken ct) =>
        RefusedAsync(ctx, (_, _) => Task.CompletedTask, needsMessage: false, ct);

    private static async Task<CaseResult> ExistingFile(CaseContext ctx, CancellationToken ct)
    {
        if (ctx.RequireClient().ArgumentsFixed)
        {
            return CaseResult.Skip(NeedsFilename);
        }
        var folder = Directory.CreateTempSubdirectory("switchboard-check-files-");
        try
        {
            var kept = Encoding.UTF8.GetBytes("this file was here first; keep me\n");
            var path = Path.Combine(folder.FullName, FilesFixtures.Small);
            await File.WriteAllBytesAsync(path, kept, ct).ConfigureAwait(false);
            await using var server = ScriptedServer.Start(async (client, t) =>
            {
                await ReadRequestAsync(ctx, client, FilesFixtures.Small, t).ConfigureAwait(false);
                await client.SendAsync(FilesRecords.FoundResponse(FilesFixtures.SmallContent), t).ConfigureAwait(false);
            });
            var run = await RunAsync(ctx, server.Port, FilesFixtures.Small, folder.FullName, ct).ConfigureAwait(false);
            var now = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            var problem = now.AsSpan().SequenceEqual(kept)
                ? null
                : $"the existing {FilesFixtures.Small} was overwritten: it held {ByteText.TextOrHex(kept)}, now {ByteText.TextOrHex(now)}";
            return run.Judge(problem);
        }
        finally
        {
            TryDelete(folder);
        }
    }

    private static Task<CaseResult> PortOutOfRange(CaseContext ctx, CancellationToken ct) => BadPortAsync(ctx, "70000", ct);

    private static Task<CaseResult> PortNotANumber(CaseContext ctx, CancellationToken ct) => BadPortAsync(ctx, "abc", ct);

    private static async Task<CaseResult> BadPortAsync(CaseContext ctx, string port, CancellationToken ct)
    {
        var folder = Directory.CreateTempSubdirectory("switchboard-check-files-");
        try
        {
            var run = await RunAsync(ctx, port, FilesFixtures.Small, folder.FullName, ct).ConfigureAwait(false);
            var problem = run.Output.Trim().Length == 0 ? $"port {port} was not reported (the client printed nothing)" : LeftBehind(folder);
            return run.Judge(problem);
        }
        finally
        {
            TryDelete(folder);
        }
    }

    private static Answer Send(byte[] bytes) => async (client, ct) => await client.SendAsync(bytes, ct).ConfigureAwait(false);

    /// <summary>A good download: the request judged, <paramref name="answer"/> sent, and exactly <paramref name="content"/> saved as the file.</summary>
    private static async Task<CaseResult> DownloadAsync(CaseContext ctx, string name, Answer answer, byte[] content, CancellationToken ct)
    {
        if (ctx.RequireClient().ArgumentsFixed)
        {
            return CaseResult.Skip(NeedsFilename);
        }
        var folder = Directory.CreateTempSubdirectory("switchboard-check-files-");
        try
        {
            var (run, requestProblem) = await ExchangeAsync(ctx, name, answer, folder.FullName, ct).ConfigureAwait(false);
            if (requestProblem is not null)
            {
                return run.Judge(requestProblem);
            }
            var path = Path.Combine(folder.FullName, name);
            if (!File.Exists(path))
            {
                return run.Judge($"no file '{name}' was saved{Others(folder, name)}");
            }
            var saved = await File.ReadAllBytesAsync(path, ct).ConfigureAwait(false);
            var problem = ByteText.Difference(content, saved) is { } difference
                ? $"the saved '{name}' differs from the {content.Length} bytes sent: {difference}"
                : run.ExitCode != 0 ? $"the file was saved, but the exit code was {run.ExitCode}, expected 0" : null;
            var others = Others(folder, name);
            return run.Judge(problem ?? (others.Length > 0 ? $"files left beside it{others}" : null));
        }
        finally
        {
            TryDelete(folder);
        }
    }

    /// <summary>A bad answer: the client must end by itself, without a traceback, leaving no file (and, for status 0, saying so).</summary>
    private static async Task<CaseResult> RefusedAsync(CaseContext ctx, Answer answer, bool needsMessage, CancellationToken ct)
    {
        if (ctx.RequireClient().ArgumentsFixed)
        {
            return CaseResult.Skip(NeedsFilename);
        }
        var folder = Directory.CreateTempSubdirectory("switchboard-check-files-");
        try
        {
            var (run, requestProblem) = await ExchangeAsync(ctx, FilesFixtures.Small, answer, folder.FullName, ct).ConfigureAwait(false);
            var problem = requestProblem
                ?? LeftBehind(folder)
                ?? (needsMessage && run.Output.Trim().Length == 0 ? "the client printed nothing: expected a message that the file is not on the server" : null);
            return run.Judge(problem);
        }
        finally
        {
            TryDelete(folder);
        }
    }

    /// <summary>Runs the client against a scripted server that judges the request and then plays <paramref name="answer"/>.</summary>
    private static async Task<(ClientRun Run, string? RequestProblem)> ExchangeAsync(CaseContext ctx, string name, Answer answer, string folder, CancellationToken ct)
    {
        var verdict = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var server = ScriptedServer.Start(async (client, t) =>
        {
            if (verdict.Task.IsCompleted)
            {
                return;
            }
            var problem = await ReadRequestAsync(ctx, client, name, t).ConfigureAwait(false);
            verdict.TrySetResult(problem);
            if (problem is null)
            {
                await answer(client, t).ConfigureAwait(false);
            }
        });
        var run = await RunAsync(ctx, server.Port.ToString(CultureInfo.InvariantCulture), name, folder, ct).ConfigureAwait(false);
        var requestProblem = verdict.Task.IsCompleted ? await verdict.Task.ConfigureAwait(false) : "the client sent no complete FileRequest";
        return (run, requestProblem);
    }

    private static Task<ClientRun> RunAsync(CaseContext ctx, int port, string name, string folder, CancellationToken ct) =>
        RunAsync(ctx, port.ToString(CultureInfo.InvariantCulture), name, folder, ct);

    private static Task<ClientRun> RunAsync(CaseContext ctx, string port, string name, string folder, CancellationToken ct) =>
        ctx.RunClientAsync(new ClientInvocation("127.0.0.1", port, [name], WorkingDirectory: folder), ct);

    /// <summary>Null when the client sent exactly the FileRequest for <paramref name="name"/>; otherwise which field was wrong.</summary>
    private static async Task<string?> ReadRequestAsync(CaseContext ctx, RawConnection client, string name, CancellationToken ct)
    {
        var expected = FilesRecords.Request(name);
        var header = await client.ReadAsync(FilesWire.RequestHeaderSize, ctx.Timeout, ct).ConfigureAwait(false);
        if (header.End != ReadEnd.Complete)
        {
            return $"expected a FileRequest header {ByteText.Spaced(expected.AsSpan(0, FilesWire.RequestHeaderSize))}, got {header.Describe()}";
        }
        var magic = BinaryPrimitives.ReadUInt16BigEndian(header.Bytes);
        var length = BinaryPrimitives.ReadUInt16BigEndian(header.Bytes.AsSpan(3));
        var bytes = expected.Length - FilesWire.RequestHeaderSize;
        string? field = magic != FilesWire.Magic ? $"MagicNo is 0x{magic:X4}, expected 0x497E"
            : header.Bytes[2] != FilesWire.RequestType ? $"Type is {header.Bytes[2]}, expected 1"
            : length != bytes ? $"FilenameLen is {length}, expected {bytes} (the name's UTF-8 bytes{(length == Protocol.CodePoints.Count(name) ? $"; {length} is its number of characters" : "")})"
            : null;
        if (field is not null)
        {
            return $"request header {ByteText.Spaced(header.Bytes)}: {field}";
        }
        var body = await client.ReadAsync(bytes, ctx.Timeout, ct).ConfigureAwait(false);
        return body.End == ReadEnd.Complete && body.Bytes.AsSpan().SequenceEqual(expected.AsSpan(FilesWire.RequestHeaderSize))
            ? null
            : $"expected the name {ByteText.TextOrHex(expected.AsSpan(FilesWire.RequestHeaderSize))} after the header, got {body.Describe()}";
    }

    /// <summary>Null when the client's folder is empty; else what it left (a partial or wrong file looks like a download).</summary>
    private static string? LeftBehind(DirectoryInfo folder)
    {
        var left = folder.GetFileSystemInfos().Select(Entry).ToList();
        return left.Count == 0 ? null : $"expected no file left behind, found {string.Join(", ", left)}";
    }

    private static string Others(DirectoryInfo folder, string name)
    {
        var others = folder.GetFileSystemInfos().Where(f => f.Name != name).Select(Entry).ToList();
        return others.Count == 0 ? "" : $", found {string.Join(", ", others)}";
    }

    private static string Entry(FileSystemInfo entry) => entry is FileInfo file ? $"'{file.Name}' ({file.Length} bytes)" : $"'{entry.Name}'";

    private static void TryDelete(DirectoryInfo folder)
    {
        try
        {
            folder.Delete(recursive: true);
        }
        catch (IOException)
        {
            // Still held by a dying client: the system's temp cleaner gets it.
        }
        catch (UnauthorizedAccessException)
        {
            // Made read-only by the client: same.
        }
    }
}
