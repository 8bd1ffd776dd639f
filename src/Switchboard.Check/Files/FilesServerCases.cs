using System.Buffers;
using Switchboard.Check.Common;
using Switchboard.Check.Core;
using Switchboard.Check.Launch;
using Switchboard.Protocol;
using Switchboard.Protocol.Files;

namespace Switchboard.Check.Files;

/// <summary>
/// Handout 004's server rules asked of a running server (docs/files-protocol.md): the exact FileResponse bytes,
/// status 0, strict request validation (the handout's own <c>or</c> accepts anything), the 1 s gap rule, requests
/// arriving in pieces, and the server still serving after each bad request. Cases needing files with known
/// content run in launch mode, where the checker starts the server in a folder it filled
/// (<see cref="FilesFixtures"/>); given HOST PORT they skip.
/// </summary>
internal static class FilesServerCases
{
    private const string LaunchKey = "files.server";
    private const string NeedsFiles = "needs files with known content: run the server through the checker (check files server -- COMMAND {port}) so it serves a folder the checker filled";

    public static IReadOnlyList<CheckCase> All { get; } =
    [
        Case("small-file", "a small file comes back as 49 7e 02 01, its DataLength, its bytes, then a close", SmallFile),
        Case("empty-file", "an empty file is StatusCode 1 with DataLength 0", EmptyFile),
        Case("large-file", "a 3 MiB file arrives whole (no truncation at one send or read)", LargeFile),
        Case("missing-file", "a missing file is answered 49 7e 02 00 00 00 00 00, then a close", MissingFile),
        Case("utf8-name", "FilenameLen counts the name's UTF-8 bytes, not its characters", Utf8Name),
        Case("request-byte-by-byte", "a request arriving one byte at a time is answered", ByteByByte),
        Case("bad-magic", "MagicNo 0x497F: connection closed, nothing sent, server still serving", BadMagic),
        Case("bad-type", "Type 2 in a request: connection closed, nothing sent, server still serving", BadType),
        Case("filename-len-zero", "FilenameLen 0: connection closed, nothing sent, server still serving", FilenameLenZero),
        Case("filename-len-too-long", "FilenameLen 1025: connection closed, nothing sent, server still serving", FilenameLenTooLong),
        Case("short-header", "3 of the 5 header bytes, then silence: closed by the gap rule, server still serving", ShortHeader),
        Case("short-name", "fewer name bytes than FilenameLen, then silence: closed by the gap rule, server still serving", ShortName),
        Case("silent-client", "a client that connects and sends nothing is closed (gap rule), server still serving", SilentClient),
        Case("closed-mid-request", "a client closing half-way through its request does not stop the server", ClosedMidRequest),
        Case("reset-mid-request", "a client resetting half-way through its request does not stop the server", ResetMidRequest),
    ];

    // Two steps per case (the probe and "still serving"), each given half the case's time; launch mode also starts the server.
    private static CheckCase Case(string name, string title, Func<CaseContext, ServerTarget, CancellationToken, Task<CaseResult>> run) =>
        new($"files.server.{name}", title, async (ctx, ct) =>
        {
            var target = await ServerTarget.ForCaseAsync(ctx, LaunchKey, FilesFixtures.WriteAsync, ct).ConfigureAwait(false);
            return await run(ctx, target, ct).ConfigureAwait(false);
        }, TimeoutFactor: 2);

    private static TimeSpan Step(CaseContext ctx) => ctx.Timeout / 2;

    private static Task<CaseResult> SmallFile(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        target.Folder is null ? Skipped() : ExpectAnswerAsync(ctx, target, FilesRecords.Request(FilesFixtures.Small), FilesRecords.FoundResponse(FilesFixtures.SmallContent), ct);

    private static Task<CaseResult> EmptyFile(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        target.Folder is null ? Skipped() : ExpectAnswerAsync(ctx, target, FilesRecords.Request(FilesFixtures.Empty), FilesRecords.FoundResponse([]), ct);

    private static Task<CaseResult> LargeFile(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        target.Folder is null ? Skipped() : ExpectAnswerAsync(ctx, target, FilesRecords.Request(FilesFixtures.Large), FilesRecords.FoundResponse(FilesFixtures.LargeContent), ct);

    private static Task<CaseResult> MissingFile(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExpectAnswerAsync(ctx, target, FilesRecords.Request(FilesFixtures.Missing), FilesRecords.NotFoundResponse, ct);

    private static Task<CaseResult> Utf8Name(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        target.Folder is null ? Skipped() : ExpectAnswerAsync(ctx, target, FilesRecords.Request(FilesFixtures.Utf8Name), FilesRecords.FoundResponse(FilesFixtures.Utf8Content), ct);

    private static async Task<CaseResult> ByteByByte(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        // 50 ms apart: well inside the 1 s gap, so only a reader assuming one recv() per field fails.
        var (request, expected) = KnownRequest(target);
        return await ExpectAnswerAsync(ctx, target, request, expected, ct, (c, bytes, t) => c.SendSlowlyAsync(bytes, 1, TimeSpan.FromMilliseconds(50), t)).ConfigureAwait(false);
    }

    private static Task<CaseResult> BadMagic(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExpectRejectedAsync(ctx, target, BadRequest(target, r => FilesRecords.Request(r, magic: 0x497F)), "MagicNo 0x497F", ct);

    private static Task<CaseResult> BadType(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExpectRejectedAsync(ctx, target, BadRequest(target, r => FilesRecords.Request(r, type: 2)), "Type 2", ct);

    private static Task<CaseResult> FilenameLenZero(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExpectRejectedAsync(ctx, target, [0x49, 0x7E, 0x01, 0x00, 0x00], "FilenameLen 0", ct);

    private static Task<CaseResult> FilenameLenTooLong(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExpectRejectedAsync(ctx, target, FilesRecords.Request(new string('a', FilesWire.MaxFilenameBytes + 1)), "FilenameLen 1025", ct);

    private static Task<CaseResult> ShortHeader(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExpectRejectedAsync(ctx, target, [0x49, 0x7E, 0x01], "3 header bytes and then nothing", ct);

    private static Task<CaseResult> ShortName(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExpectRejectedAsync(ctx, target, FilesRecords.Request("check", filenameLen: 10), "FilenameLen 10 with 5 name bytes and then nothing", ct);

    private static Task<CaseResult> SilentClient(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExpectRejectedAsync(ctx, target, [], "a connection with nothing sent", ct);

    private static Task<CaseResult> ClosedMidRequest(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        InterruptedAsync(ctx, target, reset: false, ct);

    private static Task<CaseResult> ResetMidRequest(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        InterruptedAsync(ctx, target, reset: true, ct);

    private static Task<CaseResult> Skipped() => Task.FromResult(CaseResult.Skip(NeedsFiles));

    /// <summary>A request whose answer the checker knows: a fixture in launch mode, else a missing file (status 0).</summary>
    private static (byte[] Request, byte[] Answer) KnownRequest(ServerTarget target) =>
        target.Folder is null
            ? (FilesRecords.Request(FilesFixtures.Missing), FilesRecords.NotFoundResponse)
            : (FilesRecords.Request(FilesFixtures.Small), FilesRecords.FoundResponse(FilesFixtures.SmallContent));

    /// <summary>A malformed request naming a file that exists when the checker knows one, so "answered anyway" shows as a file.</summary>
    private static byte[] BadRequest(ServerTarget target, Func<string, byte[]> build) =>
        build(target.Folder is null ? FilesFixtures.Missing : FilesFixtures.Small);

    private static async Task<CaseResult> ExpectAnswerAsync(
        CaseContext ctx, ServerTarget target, byte[] request, byte[] expected, CancellationToken ct,
        Func<RawConnection, byte[], CancellationToken, Task<bool>>? send = null)
    {
        var problem = await AnswerProblemAsync(ctx, target, request, expected, ct, send).ConfigureAwait(false);
        return problem is null ? CaseResult.Pass() : CaseResult.Fail(problem);
    }

    /// <summary>Null when the server answered <paramref name="request"/> with exactly <paramref name="expected"/> and closed.</summary>
    private static async Task<string?> AnswerProblemAsync(
        CaseContext ctx, ServerTarget target, byte[] request, byte[] expected, CancellationToken ct,
        Func<RawConnection, byte[], CancellationToken, Task<bool>>? send = null)
    {
        await using var connection = await target.ConnectAsync(ct).ConfigureAwait(false);
        var sent = send is null ? await connection.SendAsync(request, ct).ConfigureAwait(false) : await send(connection, request, ct).ConfigureAwait(false);
        // A few bytes more than expected are read, so extra bytes after the file show.
        var answer = await connection.ReadToCloseAsync(Step(ctx), ct, expected.Length + 16).ConfigureAwait(false);
        if (!sent && answer.Bytes.Length == 0)
        {
            return $"the server closed the connection before the whole request ({ByteText.Spaced(request)}) was sent{target.Aftermath}";
        }
        var header = HeaderProblem(answer.Bytes, expected);
        if (header is not null)
        {
            return $"{header}; got {answer.Describe()}{target.Aftermath}";
        }
        if (ByteText.Difference(expected, answer.Bytes) is { } difference)
        {
            var how = answer.End == ReadEnd.TimedOut ? $", connection still open after {Step(ctx).TotalSeconds:0.#} s" : "";
            return $"file data: {difference}{how}";
        }
        return answer.End == ReadEnd.TimedOut
            ? $"the whole answer arrived but the connection was still open {Step(ctx).TotalSeconds:0.#} s later (expected the server to close after the file)"
            : null;
    }

    /// <summary>Field by field, why <paramref name="got"/>'s header is not <paramref name="expected"/>'s; null when equal.</summary>
    private static string? HeaderProblem(byte[] got, byte[] expected)
    {
        var expectedHeader = expected.AsSpan(0, FilesWire.ResponseHeaderSize);
        if (got.Length >= FilesWire.ResponseHeaderSize && got.AsSpan(0, FilesWire.ResponseHeaderSize).SequenceEqual(expectedHeader))
        {
            return null;
        }
        var status = FileResponseCodec.Instance.TryDecode(new ReadOnlySequence<byte>(got), out var header, out _, out var error);
        var wanted = $"expected the header {ByteText.Spaced(expectedHeader)}";
        return status switch
        {
            DecodeStatus.Invalid => $"{wanted} but {error.Field} is {error.Value}, expected {error.Expected}",
            DecodeStatus.Incomplete => $"{wanted}, only {got.Length} header bytes arrived",
            _ => $"{wanted}, got {ByteText.Spaced(got.AsSpan(0, FilesWire.ResponseHeaderSize))} (StatusCode {(header.Found ? 1 : 0)}, DataLength {header.DataLength})",
        };
    }

    /// <summary>The server must close without sending a byte, within the gap rule for stalled requests, and still serve afterwards.</summary>
    private static async Task<CaseResult> ExpectRejectedAsync(CaseContext ctx, ServerTarget target, byte[] bytes, string what, CancellationToken ct)
    {
        await using (var connection = await target.ConnectAsync(ct).ConfigureAwait(false))
        {
            await connection.SendAsync(bytes, ct).ConfigureAwait(false);
            var answer = await connection.ReadToCloseAsync(Step(ctx), ct, 64).ConfigureAwait(false);
            if (answer.Bytes.Length > 0 || answer.End == ReadEnd.TimedOut)
            {
                return CaseResult.Fail($"sent {what} ({ByteText.Spaced(bytes)}): expected the connection closed with nothing sent, got {answer.Describe()}");
            }
        }
        return await StillServingAsync(ctx, target, $"after {what}", ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult> InterruptedAsync(CaseContext ctx, ServerTarget target, bool reset, CancellationToken ct)
    {
        var partial = FilesRecords.Request(FilesFixtures.Small)[..3];
        await using (var connection = await target.ConnectAsync(ct).ConfigureAwait(false))
        {
            await connection.SendAsync(partial, ct).ConfigureAwait(false);
            if (reset)
            {
                connection.Reset();
            }
        }
        return await StillServingAsync(ctx, target, $"after a client {(reset ? "reset" : "closed")} its connection 3 bytes into a request", ct).ConfigureAwait(false);
    }

    private static Task<CaseResult> StillServingAsync(CaseContext ctx, ServerTarget target, string after, CancellationToken ct)
    {
        var (request, expected) = KnownRequest(target);
        return target.StillServingAsync(after, " a good request", probeCt => AnswerProblemAsync(ctx, target, request, expected, probeCt), ct);
    }
}
