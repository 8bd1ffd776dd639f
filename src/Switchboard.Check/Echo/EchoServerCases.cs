using Switchboard.Check.Core;
using Switchboard.Check.Launch;

namespace Switchboard.Check.Echo;

/// <summary>
/// Handout 001's server asked over the wire: its seven grader cases (§3; 2a, the server told to stop, needs launch
/// mode, where the checker can press Ctrl+C), the handout's example byte for byte, characters not bytes, empty and
/// short messages, frames in pieces and together, and a client that vanishes mid-message.
/// </summary>
internal static class EchoServerCases
{
    private const string LaunchKey = "echo.server";

    /// <summary>The handout's largest recv() buffer: "a power of 2 less than or equal to 4096".</summary>
    private const int LargestBuffer = 4096;

    public static IReadOnlyList<CheckCase> All { get; } =
    [
        Case("1a-short-message", "§3 1a: a short message comes back minus its first 10 characters (the handout's example, byte for byte)", ShortMessage),
        Case("1b-medium-message", "§3 1b: a message slightly longer than any recv() buffer (4,100 bytes)", MediumMessage),
        Case("1c-long-message", "§3 1c: a message several times longer than any buffer (20,483 bytes)", LongMessage),
        Case("1d-series", "§3 1d: three messages, each sent after the previous reply", Series),
        Case("1e-parallel", "§3 1e: three messages sent at once, then three replies, each distinct", Parallel),
        Case("3a-next-client", "§3 3a: a client disconnects, a new client is served", NextClient),
        Case("ten-characters-or-fewer", "a message of 10 characters or fewer gets an empty payload (00 00 00 00)", TenOrFewer),
        Case("empty-message", "an empty message (00 00 00 00) is answered with one, and the connection goes on", EmptyMessage),
        Case("characters-not-bytes", "10 characters are dropped, not 10 bytes (é is 2 bytes, 😀 is 4)", CharactersNotBytes),
        Case("frame-in-pieces", "a header arriving one byte at a time and a payload in pieces", FrameInPieces),
        Case("two-frames-one-write", "two messages in one TCP write get two replies, in order", TwoFramesOneWrite),
        Case("client-closes-mid-message", "a client closing half-way through a message does not stop the server", ClosedMidMessage),
        Case("client-resets", "a client resetting half-way through a message does not stop the server", ResetMidMessage),
        // Last: it stops the launched server, and a replacement's start-up would eat into the next case's bound.
        Case("2a-server-shutdown", "§3 2a: told to stop (Ctrl+C), the server closes its connection; launch mode only", ServerShutdown),
    ];

    private static CheckCase Case(string name, string title, Func<CaseContext, ServerTarget, CancellationToken, Task<CaseResult>> run) =>
        new($"echo.server.{name}", title, async (ctx, ct) =>
        {
            var target = await ServerTarget.ForCaseAsync(ctx, LaunchKey, prepare: null, ct).ConfigureAwait(false);
            return await run(ctx, target, ct).ConfigureAwait(false);
        }, TimeoutFactor: 2);

    private static TimeSpan Step(CaseContext ctx) => ctx.Timeout / 2;

    private static Task<CaseResult> ShortMessage(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExchangeAsync(ctx, target, ["Four score and seven years ago"], ct);

    private static Task<CaseResult> MediumMessage(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExchangeAsync(ctx, target, [EchoFrames.Text(LargestBuffer + 4, "medium")], ct);

    private static Task<CaseResult> LongMessage(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExchangeAsync(ctx, target, [EchoFrames.Text(LargestBuffer * 5 + 3, "long")], ct);

    private static Task<CaseResult> Series(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExchangeAsync(ctx, target, ["first message in the series", EchoFrames.Text(LargestBuffer * 2 + 1, "second"), "third and last message"], ct);

    private static async Task<CaseResult> Parallel(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        string[] messages = ["first message, sent at once", EchoFrames.Text(LargestBuffer * 2 + 1, "second"), "third message, also at once"];
        await using var connection = await target.ConnectAsync(ct).ConfigureAwait(false);
        foreach (var message in messages)
        {
            await connection.SendAsync(EchoFrames.Frame(message), ct).ConfigureAwait(false);
        }
        return await RepliesAsync(ctx, connection, messages, ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult> ServerShutdown(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        if (target.Launched is not { } server)
        {
            return CaseResult.Skip("the checker can tell only a server it launched to stop: run with -- COMMAND to include this case");
        }
        await using var connection = await target.ConnectAsync(ct).ConfigureAwait(false);
        var first = "a short message";
        await connection.SendAsync(EchoFrames.Frame(first), ct).ConfigureAwait(false);
        if (await EchoFrames.ReplyProblemAsync(connection, first, "the reply before the stop", Step(ctx), ct).ConfigureAwait(false) is { } problem)
        {
            return CaseResult.Fail(problem);
        }
        if (!server.Interrupt())
        {
            return CaseResult.Skip("cannot send Ctrl+C (SIGINT) to the server on this system");
        }
        // As the grader: five more messages while the server shuts down; then its end of the connection must close.
        for (var i = 0; i < 5; i++)
        {
            await connection.SendAsync(EchoFrames.Frame($"message {i} to a stopping server"), ct).ConfigureAwait(false);
        }
        var rest = await connection.ReadToCloseAsync(Step(ctx), ct, 64 * 1024).ConfigureAwait(false);
        if (rest.End == ReadEnd.TimedOut)
        {
            return CaseResult.Fail($"after Ctrl+C the connection was still open {Step(ctx).TotalSeconds:0.#} s later ({rest.Bytes.Length} bytes of replies came); expected the server to close it and exit");
        }
        var exited = await server.WaitForExitAsync(Step(ctx), ct).ConfigureAwait(false);
        // The launched server is gone now; the next case starts a new one.
        return exited
            ? CaseResult.Pass()
            : CaseResult.Fail($"the connection closed, but the server process was still running {Step(ctx).TotalSeconds:0.#} s after Ctrl+C");
    }

    private static async Task<CaseResult> NextClient(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using (var first = await target.ConnectAsync(ct).ConfigureAwait(false))
        {
            var message = "hello from the first client";
            await first.SendAsync(EchoFrames.Frame(message), ct).ConfigureAwait(false);
            if (await EchoFrames.ReplyProblemAsync(first, message, "the first client's reply", Step(ctx), ct).ConfigureAwait(false) is { } problem)
            {
                return CaseResult.Fail(problem);
            }
        }
        return await StillServingAsync(ctx, target, "after the first client disconnected", ct).ConfigureAwait(false);
    }

    private static Task<CaseResult> TenOrFewer(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExchangeAsync(ctx, target, ["0123456789", "short"], ct);

    private static Task<CaseResult> EmptyMessage(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExchangeAsync(ctx, target, ["", "and a message after the empty one"], ct);

    private static Task<CaseResult> CharactersNotBytes(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        ExchangeAsync(ctx, target, ["ÀÉÎÕÜàéîõü and the rest", "😀😀😀😀😀😀😀😀😀😀 after ten emoji"], ct);

    private static async Task<CaseResult> FrameInPieces(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        var message = "a message whose header arrives one byte at a time";
        var frame = EchoFrames.Frame(message);
        await using var connection = await target.ConnectAsync(ct).ConfigureAwait(false);
        // 50 ms apart: a reader that assumes one recv() returns a whole header or payload sees a piece.
        await connection.SendSlowlyAsync(frame.AsMemory(0, 4), 1, TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        await connection.SendSlowlyAsync(frame.AsMemory(4), 10, TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
        return await RepliesAsync(ctx, connection, [message], ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult> TwoFramesOneWrite(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        string[] messages = ["first of two in one write", "second of two in one write"];
        await using var connection = await target.ConnectAsync(ct).ConfigureAwait(false);
        await connection.SendAsync(EchoFrames.Frame(messages[0]).Concat(EchoFrames.Frame(messages[1])).ToArray(), ct).ConfigureAwait(false);
        return await RepliesAsync(ctx, connection, messages, ct).ConfigureAwait(false);
    }

    private static Task<CaseResult> ClosedMidMessage(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        InterruptedAsync(ctx, target, reset: false, ct);

    private static Task<CaseResult> ResetMidMessage(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        InterruptedAsync(ctx, target, reset: true, ct);

    private static async Task<CaseResult> InterruptedAsync(CaseContext ctx, ServerTarget target, bool reset, CancellationToken ct)
    {
        var frame = EchoFrames.Frame("this message is never finished");
        await using (var connection = await target.ConnectAsync(ct).ConfigureAwait(false))
        {
            await connection.SendAsync(frame.AsMemory(0, 10), ct).ConfigureAwait(false);
            // Let the server start reading the message before the connection goes.
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
            if (reset)
            {
                connection.Reset();
            }
        }
        return await StillServingAsync(ctx, target, $"after a client {(reset ? "reset" : "closed")} its connection 10 bytes into a message", ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult> ExchangeAsync(CaseContext ctx, ServerTarget target, string[] messages, CancellationToken ct)
    {
        await using var connection = await target.ConnectAsync(ct).ConfigureAwait(false);
        for (var i = 0; i < messages.Length; i++)
        {
            await connection.SendAsync(EchoFrames.Frame(messages[i]), ct).ConfigureAwait(false);
            var which = messages.Length == 1 ? "the reply" : $"reply {i + 1} of {messages.Length}";
            if (await EchoFrames.ReplyProblemAsync(connection, messages[i], which, Step(ctx), ct).ConfigureAwait(false) is { } problem)
            {
                return CaseResult.Fail(problem + target.Aftermath);
            }
        }
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> RepliesAsync(CaseContext ctx, RawConnection connection, string[] messages, CancellationToken ct)
    {
        for (var i = 0; i < messages.Length; i++)
        {
            var which = messages.Length == 1 ? "the reply" : $"reply {i + 1} of {messages.Length}";
            if (await EchoFrames.ReplyProblemAsync(connection, messages[i], which, Step(ctx), ct).ConfigureAwait(false) is { } problem)
            {
                return CaseResult.Fail(problem);
            }
        }
        return CaseResult.Pass();
    }

    private static Task<CaseResult> StillServingAsync(CaseContext ctx, ServerTarget target, string after, CancellationToken ct) =>
        target.StillServingAsync(after, "", async probeCt =>
        {
            var message = "hello from a new client";
            await using var connection = await target.ConnectAsync(probeCt).ConfigureAwait(false);
            await connection.SendAsync(EchoFrames.Frame(message), probeCt).ConfigureAwait(false);
            return await EchoFrames.ReplyProblemAsync(connection, message, "the new client's reply", Step(ctx), probeCt).ConfigureAwait(false);
        }, ct);
}
