using System.Globalization;
using Switchboard.Check.Common;
using Switchboard.Check.Core;
using Switchboard.Check.Launch;
using Switchboard.Protocol.Chat;

namespace Switchboard.Check.Chat;

/// <summary>
/// Handout 002's server (LogosNet) asked over the wire, judged only by what the handout fixes: framing, the outcome of
/// username negotiation (who gets announced), the exact join and leave lines, public lines carrying the sender's
/// name, private messages reaching only their addressee, the 1,000-character limit, the 60 s username timer, and
/// the server surviving bad frames and abrupt closes. Control codes are the implementation's own (the handout says
/// so), so none is ever compared: a case learns that a name was refused from the join line that does not come.
/// </summary>
internal sealed class ChatServerCases
{
    private const string LaunchKey = "chat.server";

    /// <summary>Handout 002: "The user has 60 seconds to enter a username".</summary>
    public static readonly TimeSpan HandoutUsernameTimeout = TimeSpan.FromSeconds(60);

    private static int _names;

    private readonly TimeSpan _usernameTimeout;

    public ChatServerCases(TimeSpan usernameTimeout)
    {
        _usernameTimeout = usernameTimeout;
        All =
        [
            Case("join-announced", "a participant that joins is announced to those present: \"User <name> has joined\"", JoinAnnounced),
            Case("leave-announced", "a participant that closes is announced to those present: \"User <name> has left\"", LeaveAnnounced),
            Case("public-message", "a public message reaches every other participant as \">\" + the sender's name + \": \" + the text", PublicMessage),
            Case("public-prefix-14", "the line's prefix before the text is exactly 14 characters (\">\", space, name, colon, space, padded)", PublicPrefix14),
            Case("private-reaches-addressee", "\"@name text\" reaches the named participant", PrivateReachesAddressee),
            Case("private-not-to-others", "\"@name text\" reaches nobody but the addressee (and perhaps the sender)", PrivateNotToOthers),
            Case("username-taken", "a username already in use is refused (no second join) and the connection may try another", UsernameTaken),
            Case("username-too-long", "an 11-character username is refused and the connection may try another", UsernameTooLong),
            Case("username-whitespace", "a username with a space is refused and the connection may try another", UsernameWhitespace),
            Case("message-1000-characters", "a message of exactly 1,000 characters is delivered", Message1000),
            Case("message-1000-characters-not-bytes", "1,000 characters of 2-byte UTF-8 (2,000 bytes) are delivered: the limit counts characters", Message1000Multibyte),
            Case("message-over-1000-not-broadcast", "a message of 1,001 characters is never broadcast", MessageOver1000),
            Case("frame-in-pieces", "frames arriving one or two bytes at a time (the handout's recv(2)) are reassembled", FrameInPieces),
            Case("two-frames-one-write", "two messages in one TCP write are both delivered, in order", TwoFramesOneWrite),
            Case("client-closes-before-username", "a client that connects and closes without a username does not stop the server", ClosesBeforeUsername),
            Case("client-resets-mid-frame", "a client resetting half-way through a frame does not stop the server", ResetsMidFrame),
            Case("participant-resets", "an active participant resetting its connection is announced as left, and the server goes on", ParticipantResets),
            Case("huge-datalen", "a frame announcing datalen FF FF FF FF does not stop the server", HugeDatalen),
            Case("bad-utf8", "a message that is not UTF-8 (ff fe) does not stop the server", BadUtf8),
            new CheckCase("chat.server.full-at-255", "255 participants are served at once; the 256th is sent a frame (\"server is full\") and closed", FullAt255Async, TimeoutFactor: FullFactor),
            // Last: it lasts the whole username timer (60 s by the handout); --skip username-timeout saves that minute.
            new CheckCase("chat.server.username-timeout", $"a client silent at the username prompt is closed after {_usernameTimeout.TotalSeconds:0.#} s (not before)", UsernameTimeoutAsync,
                TimeoutFactor: Math.Max(2, (_usernameTimeout + TimeSpan.FromSeconds(10)) / CheckOptions.DefaultCaseTimeout)),
        ];
    }

    public IReadOnlyList<CheckCase> All { get; }

    private static CheckCase Case(string name, string title, Func<CaseContext, ServerTarget, CancellationToken, Task<CaseResult>> run) =>
        new($"chat.server.{name}", title, async (ctx, ct) =>
        {
            var target = await ServerTarget.ForCaseAsync(ctx, LaunchKey, prepare: null, ct).ConfigureAwait(false);
            return await run(ctx, target, ct).ConfigureAwait(false);
        }, TimeoutFactor: 2);

    private static TimeSpan Step(CaseContext ctx) => ctx.Timeout / 2;

    /// <summary>A username of at most 10 characters no other connection of this process uses: stem letter, run tag, counter.</summary>
    private static string Fresh(CaseContext ctx, char stem) =>
        string.Create(CultureInfo.InvariantCulture, $"{stem}{ctx.RunTag[..4]}{Interlocked.Increment(ref _names) % 1000:D3}");

    private static Task<ChatSession> JoinAsync(CaseContext ctx, ServerTarget target, char stem, CancellationToken ct) =>
        ChatSession.JoinAsync(target, Fresh(ctx, stem), Step(ctx), ct);

    private static async Task<CaseResult> JoinAnnounced(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        await using var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        await a.WaitForExactAsync(HandoutLines.Joined(b.Name!), Step(ctx), ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> LeaveAnnounced(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        await b.DisposeAsync().ConfigureAwait(false);
        await a.WaitForExactAsync(HandoutLines.Left(b.Name!), Step(ctx), ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> PublicMessage(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        await using var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        await using var c = await JoinAsync(ctx, target, 'c', ct).ConfigureAwait(false);
        var text = $"hello everyone {ctx.RunTag}";
        await a.SendAsync(text, ct).ConfigureAwait(false);
        await WaitForPublicAsync(ctx, b, a.Name!, text, ct).ConfigureAwait(false);
        await WaitForPublicAsync(ctx, c, a.Name!, text, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> PublicPrefix14(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        await using var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        var text = $"counting the prefix {ctx.RunTag}";
        await a.SendAsync(text, ct).ConfigureAwait(false);
        var line = await WaitForPublicAsync(ctx, b, a.Name!, text, ct).ConfigureAwait(false);
        var prefix = HandoutLines.PublicPrefix(line, a.Name!, text)!;
        var count = HandoutLines.Characters(prefix);
        return count == ChatWire.LinePrefixCharacters
            ? CaseResult.Pass()
            : CaseResult.Fail($"expected 14 characters before the text ('>', ' ', the {HandoutLines.Characters(a.Name!)}-character name, ':', ' ', padded with spaces), got {count}: {ByteText.Quote(prefix)} ({ByteText.Spaced(System.Text.Encoding.UTF8.GetBytes(prefix), 20)})");
    }

    /// <summary>A, B, C present; A sends "@B secret", then a public message everyone gets (so C's frames before it are all C will ever get of the secret).</summary>
    private static async Task<CaseResult> PrivateAsync(CaseContext ctx, ServerTarget target, bool addressee, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        await using var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        await using var c = await JoinAsync(ctx, target, 'c', ct).ConfigureAwait(false);
        var secret = $"secret-{ctx.RunTag}-for-b";
        var message = $"@{b.Name} {secret}";
        await a.SendAsync(message, ct).ConfigureAwait(false);
        if (addressee)
        {
            await b.WaitForAsync(f => f.Contains(secret, StringComparison.Ordinal), $"a frame carrying the private message {ByteText.Quote(message)} from {a.Name}", Step(ctx), ct).ConfigureAwait(false);
            return CaseResult.Pass();
        }
        var after = $"public after the secret {ctx.RunTag}";
        await a.SendAsync(after, ct).ConfigureAwait(false);
        await WaitForPublicAsync(ctx, c, a.Name!, after, ct).ConfigureAwait(false);
        return c.Received(secret) is { } leaked
            ? CaseResult.Fail($"{c.Name}, not the addressee, received the private message {ByteText.Quote(message)} as {ByteText.Quote(leaked)}; expected it to reach {b.Name} only")
            : CaseResult.Pass();
    }

    private static Task<CaseResult> PrivateReachesAddressee(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        PrivateAsync(ctx, target, addressee: true, ct);

    private static Task<CaseResult> PrivateNotToOthers(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        PrivateAsync(ctx, target, addressee: false, ct);

    /// <summary>
    /// A present; a second connection offers the name <paramref name="offer"/> gives, then a fresh name: A must see
    /// only the fresh one join. When the refused name is A's own, A may see it join once (A may be told of its own join).
    /// </summary>
    private static async Task<CaseResult> RefusedNameAsync(CaseContext ctx, ServerTarget target, Func<ChatSession, string> offer, string why, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        await using var b = await ChatSession.OpenAsync(target, "the second connection", Step(ctx), ct).ConfigureAwait(false);
        var bad = offer(a);
        var allowed = bad == a.Name ? 1 : 0;
        var wrongJoin = HandoutLines.Joined(bad);
        CaseResult Accepted(string good) =>
            CaseResult.Fail($"the username {ByteText.Quote(bad)} ({why}) was accepted: {a.Name} received {ByteText.Quote(wrongJoin)}{(allowed > 0 ? " a second time" : "")}; expected it refused and only the next name, {good}, to join");
        await b.SendNameAsync(bad, Step(ctx), ct).ConfigureAwait(false);
        var good = Fresh(ctx, 'b');
        await b.SendNameAsync(good, Step(ctx), ct).ConfigureAwait(false);
        try
        {
            await a.WaitForExactAsync(HandoutLines.Joined(good), Step(ctx), ct).ConfigureAwait(false);
        }
        catch (CheckFailedException) when (a.Frames.Count(f => f == wrongJoin) > allowed)
        {
            // The refused name was taken, so the next "name" became a message: say so rather than "no join came".
            return Accepted(good);
        }
        return a.Frames.Count(f => f == wrongJoin) > allowed ? Accepted(good) : CaseResult.Pass();
    }

    private static Task<CaseResult> UsernameTaken(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        RefusedNameAsync(ctx, target, a => a.Name!, "already in use", ct);

    private static Task<CaseResult> UsernameTooLong(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        RefusedNameAsync(ctx, target, _ => "k" + ctx.RunTag[..4] + "abcdef", "11 characters, over the handout's 10", ct);

    private static Task<CaseResult> UsernameWhitespace(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        RefusedNameAsync(ctx, target, _ => "w " + ctx.RunTag[..4], "it holds a space", ct);

    private static Task<CaseResult> Message1000(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        LongMessageAsync(ctx, target, HandoutLines.Long($"m{ctx.RunTag}-", ChatWire.MaxMessageCharacters), ct);

    private static Task<CaseResult> Message1000Multibyte(CaseContext ctx, ServerTarget target, CancellationToken ct) =>
        LongMessageAsync(ctx, target, HandoutLines.Long($"u{ctx.RunTag}-", ChatWire.MaxMessageCharacters, "é"), ct);

    private static async Task<CaseResult> LongMessageAsync(CaseContext ctx, ServerTarget target, string text, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        await using var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        await a.SendAsync(text, ct).ConfigureAwait(false);
        await WaitForPublicAsync(ctx, b, a.Name!, text, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> MessageOver1000(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        await using var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        var marker = $"long{ctx.RunTag}-";
        var text = HandoutLines.Long(marker, ChatWire.MaxMessageCharacters + 1);
        await a.SendAsync(text, ct).ConfigureAwait(false);
        var after = $"short after the long one {ctx.RunTag}";
        await a.SendAsync(after, ct).ConfigureAwait(false);
        await WaitForPublicAsync(ctx, b, a.Name!, after, ct).ConfigureAwait(false);
        return b.Received(marker) is { } leaked
            ? CaseResult.Fail($"a message of 1,001 characters was broadcast: {b.Name} received {ByteText.Quote(leaked)}; expected it never broadcast (the handout caps messages at 1,000)")
            : CaseResult.Pass();
    }

    private static async Task<CaseResult> FrameInPieces(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        await using var a = await ChatSession.OpenAsync(target, "the slow connection", Step(ctx), ct).ConfigureAwait(false);
        var name = Fresh(ctx, 'a');
        var pause = TimeSpan.FromMilliseconds(30);
        // The username one byte per send; the answer then read as usual.
        await a.Connection.SendSlowlyAsync(ChatFrameCodec.Encode(name), 1, pause, ct).ConfigureAwait(false);
        await b.WaitForExactAsync(HandoutLines.Joined(name), Step(ctx), ct).ConfigureAwait(false);
        var text = $"sent in pieces {ctx.RunTag}";
        await a.Connection.SendSlowlyAsync(ChatFrameCodec.Encode(text), 2, pause, ct).ConfigureAwait(false);
        await WaitForPublicAsync(ctx, b, name, text, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> TwoFramesOneWrite(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        await using var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        var first = $"first of two {ctx.RunTag}";
        var second = $"second of two {ctx.RunTag}";
        await a.Connection.SendAsync(ChatFrameCodec.Encode(first).Concat(ChatFrameCodec.Encode(second)).ToArray(), ct).ConfigureAwait(false);
        await WaitForPublicAsync(ctx, b, a.Name!, first, ct).ConfigureAwait(false);
        await WaitForPublicAsync(ctx, b, a.Name!, second, ct).ConfigureAwait(false);
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> ClosesBeforeUsername(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using (await ChatSession.OpenAsync(target, "a connection that never names itself", Step(ctx), ct).ConfigureAwait(false))
        {
        }
        return await StillServingAsync(ctx, target, "after a client closed at the username prompt", ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult> ResetsMidFrame(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        // Half a header, then a reset: a server that blocks on the rest or dies on ECONNRESET stops here.
        await a.Connection.SendAsync(ChatFrameCodec.Encode("never finished").AsMemory(0, 6), ct).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        a.Connection.Reset();
        return await StillServingAsync(ctx, target, "after a participant reset its connection 6 bytes into a frame", ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult> ParticipantResets(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false);
        var b = await JoinAsync(ctx, target, 'b', ct).ConfigureAwait(false);
        b.Connection.Reset();
        await a.WaitForExactAsync(HandoutLines.Left(b.Name!), Step(ctx), ct).ConfigureAwait(false);
        return await StillServingAsync(ctx, target, "after a participant reset its connection", ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult> HugeDatalen(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using (var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false))
        {
            await a.Connection.SendAsync(new byte[] { 0xff, 0xff, 0xff, 0xff, 0x61, 0x62 }, ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
        return await StillServingAsync(ctx, target, "after a frame announcing datalen ff ff ff ff", ct).ConfigureAwait(false);
    }

    private static async Task<CaseResult> BadUtf8(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        await using (var a = await JoinAsync(ctx, target, 'a', ct).ConfigureAwait(false))
        {
            await a.Connection.SendAsync(new byte[] { 0x00, 0x00, 0x00, 0x02, 0xff, 0xfe }, ct).ConfigureAwait(false);
            await Task.Delay(TimeSpan.FromMilliseconds(100), ct).ConfigureAwait(false);
        }
        return await StillServingAsync(ctx, target, "after a message 00 00 00 02 ff fe (not UTF-8)", ct).ConfigureAwait(false);
    }

    /// <summary>The handout: "The server must be able to support 255 participants".</summary>
    private const int MaxParticipants = 255;

    /// <summary>The capacity case's bound is this many case timeouts (255 joins); the 256th's answer gets one plain timeout.</summary>
    private const int FullFactor = 6;

    private static async Task<CaseResult> FullAt255Async(CaseContext ctx, CancellationToken ct)
    {
        var target = await ServerTarget.ForCaseAsync(ctx, LaunchKey, prepare: null, ct).ConfigureAwait(false);
        var present = new List<ChatSession>();
        try
        {
            for (var i = 1; i <= MaxParticipants; i++)
            {
                try
                {
                    // The first joins retry while the server may still count the previous case's connections.
                    present.Add(i == 1 ? await JoinWhenRoomAsync(ctx, target, ct).ConfigureAwait(false) : await JoinAsync(ctx, target, 'f', ct).ConfigureAwait(false));
                }
                catch (CheckFailedException e)
                {
                    return CaseResult.Fail($"participant {i} of the {MaxParticipants} the handout requires was not served: {e.Message}{target.Aftermath}");
                }
            }
            await using var extra = await target.ConnectAsync(ct).ConfigureAwait(false);
            var wait = ctx.Timeout / FullFactor;
            var end = await extra.ReadToCloseAsync(wait, ct, 64 * 1024).ConfigureAwait(false);
            if (end.End == ReadEnd.TimedOut)
            {
                return CaseResult.Fail($"with {MaxParticipants} participants present, a 256th connection was still open after {wait.TotalSeconds:0.#} s ({end.Describe()}); expected a \"server is full\" frame and a close");
            }
            if (end.Bytes.Length < ChatWire.HeaderSize)
            {
                return CaseResult.Fail($"with {MaxParticipants} participants present, a 256th connection was closed with {end.Describe()}; expected a \"server is full\" frame first ([datalen u32 BE][data])");
            }
        }
        finally
        {
            foreach (var session in present)
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
        // The next case needs room again: wait until the server has let the 255 go.
        await using (await JoinWhenRoomAsync(ctx, target, ct).ConfigureAwait(false))
        {
        }
        return CaseResult.Pass();
    }

    /// <summary>Joins a fresh participant, retrying for one step while the server turns it away (it may be counting closed connections still).</summary>
    private static async Task<ChatSession> JoinWhenRoomAsync(CaseContext ctx, ServerTarget target, CancellationToken ct)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return await JoinAsync(ctx, target, 'f', ct).ConfigureAwait(false);
            }
            catch (CheckFailedException) when (clock.Elapsed < Step(ctx))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct).ConfigureAwait(false);
            }
        }
    }

    private async Task<CaseResult> UsernameTimeoutAsync(CaseContext ctx, CancellationToken ct)
    {
        var target = await ServerTarget.ForCaseAsync(ctx, LaunchKey, prepare: null, ct).ConfigureAwait(false);
        var limit = ctx.Timeout - TimeSpan.FromSeconds(1);
        if (limit < _usernameTimeout + TimeSpan.FromSeconds(2))
        {
            return CaseResult.Skip($"the case's bound ({ctx.Timeout.TotalSeconds:0.#} s) is too short to wait out the {_usernameTimeout.TotalSeconds:0.#} s username timer: raise --timeout");
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        await using var silent = await ChatSession.OpenAsync(target, "a silent connection", Step(ctx), ct).ConfigureAwait(false);
        var end = await silent.Connection.ReadToCloseAsync(limit, ct, 64 * 1024).ConfigureAwait(false);
        var after = clock.Elapsed;
        var earliest = _usernameTimeout * 0.9;
        if (end.End == ReadEnd.TimedOut)
        {
            return CaseResult.Fail($"expected the server to close a connection silent at the username prompt after {_usernameTimeout.TotalSeconds:0.#} s; still open after {after.TotalSeconds:0.#} s ({end.Describe()})");
        }
        if (after < earliest)
        {
            return CaseResult.Fail($"the server closed a silent connection after {after.TotalSeconds:0.#} s; expected it to wait the handout's {_usernameTimeout.TotalSeconds:0.#} s ({end.Describe()})");
        }
        return CaseResult.Pass(string.Create(CultureInfo.InvariantCulture, $"closed after {after.TotalSeconds:0.#} s"));
    }

    /// <summary>B waits for A's public line carrying <paramref name="text"/>; returns the line.</summary>
    private static Task<string> WaitForPublicAsync(CaseContext ctx, ChatSession receiver, string sender, string text, CancellationToken ct) =>
        receiver.WaitForAsync(line => HandoutLines.PublicPrefix(line, sender, text) is not null, HandoutLines.PublicShape(sender, text), Step(ctx), ct);

    /// <summary>Two new participants join and one's public message reaches the other.</summary>
    private static async Task<CaseResult> StillServingAsync(CaseContext ctx, ServerTarget target, string after, CancellationToken ct)
    {
        try
        {
            await using var x = await JoinAsync(ctx, target, 'x', ct).ConfigureAwait(false);
            await using var y = await JoinAsync(ctx, target, 'y', ct).ConfigureAwait(false);
            var text = $"still here {ctx.RunTag}";
            await x.SendAsync(text, ct).ConfigureAwait(false);
            await WaitForPublicAsync(ctx, y, x.Name!, text, ct).ConfigureAwait(false);
            return CaseResult.Pass();
        }
        catch (CheckFailedException e)
        {
            if (target.Launched is { } server)
            {
                await server.WaitForExitAsync(TimeSpan.FromSeconds(1), ct).ConfigureAwait(false);
            }
            var aftermath = e.Message.Contains("exited with code", StringComparison.Ordinal) ? "" : target.Aftermath;
            return CaseResult.Fail($"{after}, the server no longer serves: {e.Message}{aftermath}");
        }
    }
}
