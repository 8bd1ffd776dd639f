using Switchboard.Check.Common;
using Switchboard.Check.Core;
using Switchboard.Check.Launch;

namespace Switchboard.Check.Talk;

/// <summary>
/// Handout 003's server. Its other side is a person at the keyboard, so the checker must type for that person:
/// every case but one runs in launch mode (<c>check talk server -- COMMAND</c>), where each case starts the server
/// afresh with its stdin scripted, plays the caller, and reads what the server printed. Given HOST PORT (a person
/// really is there) only <c>waits-for-caller</c> runs; the rest skip.
/// </summary>
internal static class TalkServerCases
{
    private const string NeedsLaunch = "the checker must type the server's answers: run it through the checker (check talk server -- COMMAND {port})";

    /// <summary>Longer than any recv(1024) a handout program makes, so a line read in one call shows.</summary>
    private const int LongLineCharacters = 5000;

    public static IReadOnlyList<CheckCase> All { get; } =
    [
        Launched("first-exchange", "the caller's line is printed, then the line typed at the server comes back", "answer one\n", FirstExchange),
        new("talk.server.waits-for-caller", "the server says nothing before the caller's first line (lock-step: the client speaks first)", WaitsForCaller, TimeoutFactor: 3),
        Launched("several-turns", "three turns in lock-step: each caller line printed in order, each typed line sent in order", "one\ntwo\nthree\n", SeveralTurns),
        Launched("long-line", $"a {LongLineCharacters}-character line (longer than one recv(1024)) is printed whole", "ok\n", LongLine),
        Launched("line-in-pieces", "a line arriving in three pieces 100 ms apart is printed as one line", "ok\n", LineInPieces),
        Launched("line-without-newline", "a message without a newline (what the handout's client sends) is printed and answered", "ok\n", LineWithoutNewline),
        Launched("utf8", "UTF-8 both ways: é, ü and 😀 printed intact, typed ✓ sent intact", "ça va ✓\n", Utf8),
        Launched("exit-hangs-up", "EXIT typed at the server closes the caller's connection (EXIT itself need not be sent)", "EXIT\n", ExitHangsUp),
        Launched("next-caller-after-exit", "after EXIT the server waits for the next caller and serves it", "EXIT\nsecond answer\n", NextCallerAfterExit),
        Launched("next-caller-after-hang-up", "after a caller hangs up the server serves the next caller", "first\nsecond\n", NextCallerAfterHangUp),
        Launched("caller-resets", "a caller resetting the connection (network error) does not stop the server", "first\nsecond\n", CallerResets),
    ];

    /// <summary>A case that starts the server with <paramref name="stdin"/> typed ahead; three steps' time, the first includes start-up.</summary>
    private static CheckCase Launched(string name, string title, string stdin, Func<CaseContext, LaunchedServer, CancellationToken, Task<CaseResult>> run) =>
        new($"talk.server.{name}", title, async (ctx, ct) =>
        {
            if (ctx.ServerCommand is not { } words)
            {
                return CaseResult.Skip(NeedsLaunch);
            }
            await using var server = await LaunchedServer.StartAsync(new ServerCommand(words), prepare: null, stdin, ct).ConfigureAwait(false);
            var result = await run(ctx, server, ct).ConfigureAwait(false);
            if (result.Verdict == Verdict.Fail && server.HasExited && !result.Reason.Contains("exited with code", StringComparison.Ordinal))
            {
                return CaseResult.Fail($"{result.Reason} ({server.DescribeExit()})");
            }
            return result;
        }, TimeoutFactor: 3);

    private static TimeSpan Step(CaseContext ctx) => ctx.Timeout / 3;

    private static async Task<CaseResult> FirstExchange(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        await using var caller = await CallAsync(ctx, server, ct).ConfigureAwait(false);
        return await TurnAsync(ctx, server, caller, "hello from the checker", "answer one", ct).ConfigureAwait(false) ?? CaseResult.Pass();
    }

    private static async Task<CaseResult> WaitsForCaller(CaseContext ctx, CancellationToken ct)
    {
        if (ctx.ServerCommand is not { } words)
        {
            // A person is at this server: connect, listen for a second, hang up without a word.
            await using var connection = await ctx.ConnectAsync(ct).ConfigureAwait(false);
            return SilenceProblem(await TalkMessages.ReadAsync(connection, TimeSpan.FromSeconds(1), ct).ConfigureAwait(false)) ?? CaseResult.Pass();
        }
        await using var server = await LaunchedServer.StartAsync(new ServerCommand(words), prepare: null, "answer one\n", ct).ConfigureAwait(false);
        await using var caller = await server.ConnectAsync(ctx.Timeout, ct).ConfigureAwait(false);
        // The answer is typed already; a server that sends before it hears the caller sends it now.
        var early = await TalkMessages.ReadAsync(caller, TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
        if (SilenceProblem(early) is { } problem)
        {
            return problem;
        }
        return await TurnAsync(ctx, server, caller, "hello from the checker", "answer one", ct).ConfigureAwait(false) ?? CaseResult.Pass();
    }

    private static CaseResult? SilenceProblem(TalkMessage early) => early.End switch
    {
        TalkEnd.Nothing => null,
        TalkEnd.Closed when early.Bytes.Length == 0 => CaseResult.Fail("the server closed the connection before the caller said anything"),
        _ => CaseResult.Fail($"the server spoke before the caller's first line: got {early.Describe()} within 1 s of connecting (the client speaks first)"),
    };

    private static async Task<CaseResult> SeveralTurns(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        await using var caller = await CallAsync(ctx, server, ct).ConfigureAwait(false);
        string[] lines = ["first line from the caller", "second line from the caller", "third line from the caller"];
        string[] answers = ["one", "two", "three"];
        for (var i = 0; i < lines.Length; i++)
        {
            if (await TurnAsync(ctx, server, caller, lines[i], answers[i], ct).ConfigureAwait(false) is { } failed)
            {
                return failed;
            }
        }
        var printed = server.Stdout.Text;
        var positions = lines.Select(l => printed.IndexOf(l, StringComparison.Ordinal)).ToArray();
        return positions.SequenceEqual(positions.Order())
            ? CaseResult.Pass()
            : CaseResult.Fail($"the caller's lines were printed out of order: {ByteText.Quote(printed)}");
    }

    private static async Task<CaseResult> LongLine(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        var line = string.Concat(Enumerable.Range(0, LongLineCharacters / 10).Select(i => $"long{i:D5}|"));
        await using var caller = await CallAsync(ctx, server, ct).ConfigureAwait(false);
        return await TurnAsync(ctx, server, caller, line, "ok", ct).ConfigureAwait(false) ?? CaseResult.Pass();
    }

    private static async Task<CaseResult> LineInPieces(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        await using var caller = await CallAsync(ctx, server, ct).ConfigureAwait(false);
        foreach (var piece in new[] { "hello ", "in ", "pieces\n" })
        {
            await caller.SendAsync(System.Text.Encoding.UTF8.GetBytes(piece), ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
        return await AnswerAsync(ctx, server, caller, "hello in pieces", "ok", ct).ConfigureAwait(false) ?? CaseResult.Pass();
    }

    private static async Task<CaseResult> LineWithoutNewline(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        await using var caller = await CallAsync(ctx, server, ct).ConfigureAwait(false);
        await caller.SendAsync(System.Text.Encoding.UTF8.GetBytes("no newline after this"), ct).ConfigureAwait(false);
        return await AnswerAsync(ctx, server, caller, "no newline after this", "ok", ct).ConfigureAwait(false) ?? CaseResult.Pass();
    }

    private static async Task<CaseResult> Utf8(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        await using var caller = await CallAsync(ctx, server, ct).ConfigureAwait(false);
        return await TurnAsync(ctx, server, caller, "héllo wörld 😀", "ça va ✓", ct).ConfigureAwait(false) ?? CaseResult.Pass();
    }

    private static async Task<CaseResult> ExitHangsUp(CaseContext ctx, LaunchedServer server, CancellationToken ct) =>
        await HangUpAsync(ctx, server, ct).ConfigureAwait(false) ?? CaseResult.Pass();

    private static async Task<CaseResult> NextCallerAfterExit(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        if (await HangUpAsync(ctx, server, ct).ConfigureAwait(false) is { } failed)
        {
            return failed;
        }
        return await NextCallerAsync(ctx, server, "after EXIT", "second answer", ct).ConfigureAwait(false);
    }

    private static Task<CaseResult> NextCallerAfterHangUp(CaseContext ctx, LaunchedServer server, CancellationToken ct) =>
        FirstCallerLeavesAsync(ctx, server, reset: false, ct);

    private static Task<CaseResult> CallerResets(CaseContext ctx, LaunchedServer server, CancellationToken ct) =>
        FirstCallerLeavesAsync(ctx, server, reset: true, ct);

    private static async Task<CaseResult> FirstCallerLeavesAsync(CaseContext ctx, LaunchedServer server, bool reset, CancellationToken ct)
    {
        await using (var first = await CallAsync(ctx, server, ct).ConfigureAwait(false))
        {
            if (await TurnAsync(ctx, server, first, "hello from the first caller", "first", ct).ConfigureAwait(false) is { } failed)
            {
                return failed;
            }
            if (reset)
            {
                first.Reset();
            }
        }
        return await NextCallerAsync(ctx, server, reset ? "after the first caller reset the connection" : "after the first caller hung up", "second", ct).ConfigureAwait(false);
    }

    /// <summary>The caller speaks; the typed EXIT must close the connection, sending nothing (or only EXIT itself).</summary>
    private static async Task<CaseResult?> HangUpAsync(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        await using var caller = await CallAsync(ctx, server, ct).ConfigureAwait(false);
        await caller.SendAsync(TalkMessages.Line("hello from the checker"), ct).ConfigureAwait(false);
        var got = await TalkMessages.ReadAsync(caller, Step(ctx), ct).ConfigureAwait(false);
        if (got.End != TalkEnd.Closed && got.Text == "EXIT")
        {
            got = await TalkMessages.ReadAsync(caller, Step(ctx), ct).ConfigureAwait(false);
        }
        return got.End == TalkEnd.Closed && (got.Bytes.Length == 0 || got.Text == "EXIT")
            ? null
            : CaseResult.Fail($"EXIT was typed at the server: expected it to close the connection, got {got.Describe()}");
    }

    private static async Task<CaseResult> NextCallerAsync(CaseContext ctx, LaunchedServer server, string after, string answer, CancellationToken ct)
    {
        RawConnection second;
        try
        {
            second = await CallAsync(ctx, server, ct).ConfigureAwait(false);
        }
        catch (CheckFailedException e)
        {
            return CaseResult.Fail($"{after}, a second caller: {e.Message}");
        }
        await using (second)
        {
            var failed = await TurnAsync(ctx, server, second, "hello from the second caller", answer, ct).ConfigureAwait(false);
            return failed is null ? CaseResult.Pass() : CaseResult.Fail($"{after}, the second caller: {failed.Reason}");
        }
    }

    /// <summary>One turn: the caller's line goes out, the server must print it and send the typed <paramref name="answer"/>.</summary>
    private static async Task<CaseResult?> TurnAsync(CaseContext ctx, LaunchedServer server, RawConnection caller, string line, string answer, CancellationToken ct)
    {
        if (!await caller.SendAsync(TalkMessages.Line(line), ct).ConfigureAwait(false))
        {
            return CaseResult.Fail($"the server closed the connection before the caller's line {ByteText.Quote(line)} was sent");
        }
        return await AnswerAsync(ctx, server, caller, line, answer, ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult?> AnswerAsync(CaseContext ctx, LaunchedServer server, RawConnection caller, string line, string answer, CancellationToken ct)
    {
        var got = await TalkMessages.ReadAsync(caller, Step(ctx), ct).ConfigureAwait(false);
        if (TalkMessages.Problem(got, answer, $"after the caller's line {ByteText.Quote(line)}, the answer typed at the server") is { } wrong)
        {
            return CaseResult.Fail(wrong);
        }
        // Printed before the answer was typed, so it is on stdout by now, give or take the pipe.
        if (!await server.Stdout.WaitForAsync(t => t.Contains(line, StringComparison.Ordinal), TimeSpan.FromSeconds(1), ct).ConfigureAwait(false))
        {
            return CaseResult.Fail($"the caller's line {ByteText.Quote(line)} was not printed whole on the server's stdout, which holds {ByteText.Quote(LastChars(server.Stdout.Text, 60))}");
        }
        return null;
    }

    /// <summary>
    /// Connects as a caller. A server still finishing the previous conversation may turn a caller away (a message
    /// before the caller spoke, as Switchboard's busy line does); the caller then tries again, as a person would,
    /// until the step's time is up. The first connection may wait for the server to start (the whole case's time).
    /// </summary>
    private static async Task<RawConnection> CallAsync(CaseContext ctx, LaunchedServer server, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var connection = await server.ConnectAsync(ctx.Timeout, ct).ConfigureAwait(false);
            var early = await TalkMessages.ReadAsync(connection, TimeSpan.FromMilliseconds(300), ct).ConfigureAwait(false);
            if (early.End == TalkEnd.Nothing)
            {
                return connection;
            }
            await connection.DisposeAsync().ConfigureAwait(false);
            if (clock.Elapsed > Step(ctx))
            {
                throw new CheckFailedException($"the server kept answering a new caller before it spoke: {early.Describe()} (the client speaks first)");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
    }

    private static string LastChars(string text, int count) => text.Length <= count ? text : text[^count..];
}
