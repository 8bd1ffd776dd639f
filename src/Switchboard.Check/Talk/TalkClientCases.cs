using System.Text;
using Switchboard.Check.Common;
using Switchboard.Check.Core;

namespace Switchboard.Check.Talk;

/// <summary>
/// Handout 003's client program (<c>client HOST PORT</c>), run once per case with its user's lines scripted on stdin
/// against a scripted server: lock-step, EXIT, the server hanging up or failing, answers long, in pieces, without a
/// newline (as the handout's own server sends them) and in UTF-8, and never a traceback.
/// </summary>
internal static class TalkClientCases
{
    private const int LongAnswerCharacters = 5000;

    public static IReadOnlyList<CheckCase> All { get; } =
    [
        Case("first-exchange", "the typed line is sent, the server's answer printed on stdout, EXIT closes and exits 0", FirstExchange),
        Case("lock-step", "the second typed line is not sent before the answer to the first has arrived", LockStep),
        Case("exit-first", "EXIT as the first line: the client closes without sending anything and exits 0", ExitFirst),
        Case("server-hangs-up", "the server closes after the first line: the client exits by itself, no traceback", ServerHangsUp),
        Case("connection-reset", "the server resets the connection: a diagnostic, an exit, no traceback", ConnectionReset),
        Case("connection-refused", "nothing listens on the port: a diagnostic, an exit, no traceback", ConnectionRefused),
        Case("long-answer", $"a {LongAnswerCharacters}-character answer (longer than one recv(1024)) is printed whole", LongAnswer),
        Case("answer-in-pieces", "an answer arriving in three pieces 100 ms apart is printed as one line", AnswerInPieces),
        Case("answer-without-newline", "an answer without a newline (what the handout's server sends) is printed", AnswerWithoutNewline),
        Case("utf8", "UTF-8 both ways: typed é and 😀 sent intact, answered ✓ printed intact", Utf8),
    ];

    private static CheckCase Case(string name, string title, Func<CaseContext, CancellationToken, Task<CaseResult>> run) =>
        new($"talk.client.{name}", title, run);

    /// <summary>What the scripted server concluded about the client's bytes; null when all was as expected.</summary>
    private delegate Task<string?> Script(RawConnection client, CancellationToken ct);

    private static Task<CaseResult> FirstExchange(CaseContext ctx, CancellationToken ct) =>
        ConverseAsync(ctx, "hello server\nEXIT\n", keepStdinOpen: false, async (client, t) =>
            await ExpectAsync(ctx, client, "hello server", t).ConfigureAwait(false)
            ?? await SendAsync(client, "hello client\n", t).ConfigureAwait(false)
            ?? await ExpectHangUpAsync(ctx, client, "after EXIT was typed", t).ConfigureAwait(false),
            run => NeedsExitZero(run, "EXIT") ?? Printed(run, "hello client"), ct);

    private static Task<CaseResult> LockStep(CaseContext ctx, CancellationToken ct) =>
        ConverseAsync(ctx, "one\ntwo\nEXIT\n", keepStdinOpen: false, async (client, t) =>
        {
            if (await ExpectAsync(ctx, client, "one", t).ConfigureAwait(false) is { } problem)
            {
                return problem;
            }
            // "two" is typed already; a client keeping to lock-step holds it until the answer to "one" has come.
            var early = await TalkMessages.ReadAsync(client, TimeSpan.FromSeconds(1), t).ConfigureAwait(false);
            if (early.End != TalkEnd.Nothing)
            {
                return $"the client sent {early.Describe()} before the answer to its first line (lock-step: one line, then wait for the answer)";
            }
            return await SendAsync(client, "reply one\n", t).ConfigureAwait(false)
                ?? await ExpectAsync(ctx, client, "two", t).ConfigureAwait(false)
                ?? await SendAsync(client, "reply two\n", t).ConfigureAwait(false)
                ?? await ExpectHangUpAsync(ctx, client, "after EXIT was typed", t).ConfigureAwait(false);
        },
        run => Printed(run, "reply one") ?? Printed(run, "reply two") ?? InOrder(run, "reply one", "reply two"), ct);

    private static Task<CaseResult> ExitFirst(CaseContext ctx, CancellationToken ct) =>
        ConverseAsync(ctx, "EXIT\n", keepStdinOpen: false,
            (client, t) => ExpectHangUpAsync(ctx, client, "EXIT was the first line typed, so", t),
            run => NeedsExitZero(run, "EXIT"), ct, connectionOptional: true);

    private static Task<CaseResult> ServerHangsUp(CaseContext ctx, CancellationToken ct) =>
        ConverseAsync(ctx, "one\n", keepStdinOpen: true,
            (client, t) => ExpectAsync(ctx, client, "one", t),
            run => null, ct);

    private static Task<CaseResult> ConnectionReset(CaseContext ctx, CancellationToken ct) =>
        ConverseAsync(ctx, "one\n", keepStdinOpen: true, async (client, t) =>
        {
            var problem = await ExpectAsync(ctx, client, "one", t).ConfigureAwait(false);
            client.Reset();
            return problem;
        },
        Diagnostic, ct);

    private static async Task<CaseResult> ConnectionRefused(CaseContext ctx, CancellationToken ct)
    {
        // A port that was just listening and is now closed: connecting is refused.
        int port;
        await using (var gone = ScriptedServer.Start((_, _) => Task.CompletedTask))
        {
            port = gone.Port;
        }
        var run = await ctx.RunClientAsync(new ClientInvocation("127.0.0.1", port.ToString(System.Globalization.CultureInfo.InvariantCulture), [], "one\n", KeepStdinOpen: true), ct).ConfigureAwait(false);
        return run.Judge(Diagnostic(run));
    }

    private static Task<CaseResult> LongAnswer(CaseContext ctx, CancellationToken ct)
    {
        var answer = string.Concat(Enumerable.Range(0, LongAnswerCharacters / 10).Select(i => $"long{i:D5}|"));
        return ConverseAsync(ctx, "one\nEXIT\n", keepStdinOpen: false, async (client, t) =>
                await ExpectAsync(ctx, client, "one", t).ConfigureAwait(false)
                ?? await SendAsync(client, answer + "\n", t).ConfigureAwait(false)
                ?? await ExpectHangUpAsync(ctx, client, "after EXIT was typed", t).ConfigureAwait(false),
            run => Printed(run, answer), ct);
    }

    private static Task<CaseResult> AnswerInPieces(CaseContext ctx, CancellationToken ct) =>
        ConverseAsync(ctx, "one\nEXIT\n", keepStdinOpen: false, async (client, t) =>
        {
            if (await ExpectAsync(ctx, client, "one", t).ConfigureAwait(false) is { } problem)
            {
                return problem;
            }
            foreach (var piece in new[] { "hello ", "in ", "pieces\n" })
            {
                await client.SendAsync(Encoding.UTF8.GetBytes(piece), t).ConfigureAwait(false);
                await Task.Delay(TimeSpan.FromMilliseconds(100), t).ConfigureAwait(false);
            }
            return await ExpectHangUpAsync(ctx, client, "after EXIT was typed", t).ConfigureAwait(false);
        },
        run => Printed(run, "hello in pieces"), ct);

    private static Task<CaseResult> AnswerWithoutNewline(CaseContext ctx, CancellationToken ct) =>
        ConverseAsync(ctx, "one\nEXIT\n", keepStdinOpen: false, async (client, t) =>
                await ExpectAsync(ctx, client, "one", t).ConfigureAwait(false)
                ?? await SendAsync(client, "no newline after this", t).ConfigureAwait(false)
                ?? await ExpectHangUpAsync(ctx, client, "after EXIT was typed", t).ConfigureAwait(false),
            run => Printed(run, "no newline after this"), ct);

    private static Task<CaseResult> Utf8(CaseContext ctx, CancellationToken ct) =>
        ConverseAsync(ctx, "héllo 😀\nEXIT\n", keepStdinOpen: false, async (client, t) =>
                await ExpectAsync(ctx, client, "héllo 😀", t).ConfigureAwait(false)
                ?? await SendAsync(client, "ça va ✓\n", t).ConfigureAwait(false)
                ?? await ExpectHangUpAsync(ctx, client, "after EXIT was typed", t).ConfigureAwait(false),
            run => Printed(run, "ça va ✓"), ct);

    /// <summary>
    /// Runs the client against a scripted server playing <paramref name="script"/> on its first connection, then
    /// judges: the script's verdict, no traceback, the client ended by itself, and <paramref name="check"/>.
    /// </summary>
    private static async Task<CaseResult> ConverseAsync(
        CaseContext ctx, string stdin, bool keepStdinOpen, Script script, Func<ClientRun, string?> check, CancellationToken ct, bool connectionOptional = false)
    {
        var verdict = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var connections = 0;
        await using var server = ScriptedServer.Start(async (client, t) =>
        {
            if (Interlocked.Increment(ref connections) > 1)
            {
                return;
            }
            try
            {
                verdict.TrySetResult(await script(client, t).ConfigureAwait(false));
            }
            catch (OperationCanceledException)
            {
                verdict.TrySetResult(null);
                throw;
            }
        });
        var run = await ctx.RunClientAsync(new ClientInvocation(server.Host, server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), [], stdin, KeepStdinOpen: keepStdinOpen), ct).ConfigureAwait(false);
        string? serverSide;
        if (connections == 0)
        {
            serverSide = connectionOptional ? null : "the client never connected";
        }
        else
        {
            // The client has ended, so its connection has too: the script finishes at once.
            var finished = await Task.WhenAny(verdict.Task, Task.Delay(TimeSpan.FromSeconds(2), ct)).ConfigureAwait(false);
            serverSide = finished == verdict.Task ? await verdict.Task.ConfigureAwait(false) : null;
        }
        return run.Judge(serverSide ?? check(run));
    }

    private static async Task<string?> ExpectAsync(CaseContext ctx, RawConnection client, string line, CancellationToken ct)
    {
        var got = await TalkMessages.ReadAsync(client, ctx.Timeout, ct).ConfigureAwait(false);
        return TalkMessages.Problem(got, line, $"the line typed at the client");
    }

    private static async Task<string?> SendAsync(RawConnection client, string text, CancellationToken ct) =>
        await client.SendAsync(Encoding.UTF8.GetBytes(text), ct).ConfigureAwait(false) ? null : "the client closed the connection before the server's answer was sent";

    /// <summary>The client must close its connection, having sent nothing (or only EXIT itself, which some clients send first).</summary>
    private static async Task<string?> ExpectHangUpAsync(CaseContext ctx, RawConnection client, string when, CancellationToken ct)
    {
        var got = await TalkMessages.ReadAsync(client, ctx.Timeout, ct).ConfigureAwait(false);
        if (got.End != TalkEnd.Closed && got.Text == "EXIT")
        {
            got = await TalkMessages.ReadAsync(client, ctx.Timeout, ct).ConfigureAwait(false);
        }
        return got.End == TalkEnd.Closed && (got.Bytes.Length == 0 || got.Text == "EXIT")
            ? null
            : $"{when} the client should close the connection, got {got.Describe()}";
    }

    private static string? NeedsExitZero(ClientRun run, string what) =>
        run.ExitCode == 0 ? null : $"after {what} expected exit code 0, got {run.ExitCode}";

    private static string? Printed(ClientRun run, string text) =>
        run.Stdout.Contains(text, StringComparison.Ordinal) ? null : $"expected {ByteText.Quote(text)} printed whole on stdout, got {ByteText.Quote(run.Stdout)}";

    private static string? InOrder(ClientRun run, string first, string second) =>
        run.Stdout.IndexOf(first, StringComparison.Ordinal) < run.Stdout.IndexOf(second, StringComparison.Ordinal)
            ? null
            : $"the answers were printed out of order: {ByteText.Quote(run.Stdout)}";

    /// <summary>A network error must be reported: "the client should print a diagnostic message" (handout 003).</summary>
    private static string? Diagnostic(ClientRun run) =>
        run.Output.Trim().Length > 0 ? null : "the client printed no diagnostic after the network error";
}
