using System.Globalization;
using System.Text;
using Switchboard.Check.Core;
using Switchboard.Protocol.Mailbox;
using static Switchboard.Check.Mailbox.MailboxClientProbe;

namespace Switchboard.Check.Mailbox;

/// <summary>
/// The mailbox client cases (handout 000 §3.2, §3.3.2). The client is run as <c>COMMAND HOST PORT USER TYPE</c> against a
/// scripted server. Malformed responses carry a marker text: a client that prints it accepted the record instead of
/// rejecting it. Every run must end by itself within the case's bound and show no traceback.
/// </summary>
internal static class MailboxClientCases
{
    private const string Prefix = "mailbox.client.";

    public static IReadOnlyList<CheckCase> All { get; } =
    [
        new(Prefix + "read-request", "'alice read' sends exactly ae73 01 05 00 0000 'alice'", ReadRequestAsync),
        new(Prefix + "create-request", "'alice create' with 'bob' and 'hello bob' typed sends exactly that create", CreateRequestAsync),
        new(Prefix + "create-utf8", "a create with UTF-8 names and text counts lengths in bytes", CreateUtf8Async),
        new(Prefix + "create-reprompt", "an empty receiver or message is refused and asked again", CreateRepromptAsync),
        new(Prefix + "read-messages", "each message's sender and text are printed", ReadMessagesAsync),
        new(Prefix + "read-empty", "an empty mailbox is reported, without error", ReadEmptyAsync),
        new(Prefix + "more-msgs", "MoreMsgs = 1 is noted (the output differs from MoreMsgs = 0)", MoreMsgsAsync, TimeoutFactor: 2),
        new(Prefix + "large-response", "two 6,000-byte messages arriving in 1,000-byte pieces are printed whole", LargeResponseAsync),
        new(Prefix + "bad-magic", "a response with MagicNo 0xAE74 is rejected with an error", (c, t) => MalformedAsync(c, "MagicNo 0xAE74", m => Header(0xAE74, 3, 1, 0, m), t)),
        new(Prefix + "bad-id", "a response with ID 2 (not 3) is rejected with an error", (c, t) => MalformedAsync(c, "ID 2", m => Header(MailboxWire.Magic, 2, 1, 0, m), t)),
        new(Prefix + "bad-more-msgs", "a response with MoreMsgs 2 is rejected with an error", (c, t) => MalformedAsync(c, "MoreMsgs 2", m => Header(MailboxWire.Magic, 3, 1, 2, m), t)),
        new(Prefix + "sender-len-zero", "a message with SenderLen 0 is rejected with an error", (c, t) => MalformedAsync(c, "SenderLen 0", m => MailboxBytes.Response(MailboxWire.Magic, 3, 1, 0, MailboxBytes.Item(0, Encoding.UTF8.GetByteCount(m), [], MailboxBytes.Utf8(m))), t)),
        new(Prefix + "message-len-zero", "a message with MessageLen 0 is rejected with an error", (c, t) => MalformedAsync(c, "MessageLen 0", m => MailboxBytes.Response(MailboxWire.Magic, 3, 1, 0, MailboxBytes.Item(Encoding.UTF8.GetByteCount(m), 0, MailboxBytes.Utf8(m), [])), t)),
        new(Prefix + "invalid-utf8", "a message whose text is not UTF-8 (ff fe) ends in an error or a printout, never a traceback", InvalidUtf8Async),
        new(Prefix + "truncated", "a response that ends inside a message is rejected with an error", TruncatedAsync),
        new(Prefix + "gap", "a response that stalls for more than 1 s is given up with an error", GapAsync),
        new(Prefix + "connection-refused", "no server on the port: an error, no traceback", RefusedAsync),
        new(Prefix + "unknown-host", "a host name that does not resolve: an error, no traceback", UnknownHostAsync),
        new(Prefix + "port-below-range", "port 1023 is refused before connecting (1,024-64,000)", (c, t) => BadArgumentsAsync(c, "port 1023", "1023", ["alice", "read"], t, listenOn: 1023)),
        new(Prefix + "port-above-range", "port 64001 is refused before connecting (1,024-64,000)", (c, t) => BadArgumentsAsync(c, "port 64001", "64001", ["alice", "read"], t, listenOn: 64001)),
        new(Prefix + "port-not-a-number", "port 'http' is refused with an error", (c, t) => BadArgumentsAsync(c, "port 'http'", "http", ["alice", "read"], t)),
        new(Prefix + "user-too-long", "a 256-byte user name is refused before connecting", (c, t) => BadArgumentsAsync(c, "a 256-byte user name", null, [new string('u', 256), "read"], t)),
        new(Prefix + "user-empty", "an empty user name is refused before connecting", (c, t) => BadArgumentsAsync(c, "an empty user name", null, ["", "read"], t)),
        new(Prefix + "bad-type", "request type 'delete' is refused before connecting", (c, t) => BadArgumentsAsync(c, "request type 'delete'", null, ["alice", "delete"], t)),
        new(Prefix + "too-few-arguments", "three arguments are refused before connecting", (c, t) => BadArgumentsAsync(c, "three arguments", null, ["alice"], t)),
        new(Prefix + "too-many-arguments", "five arguments are refused before connecting", (c, t) => BadArgumentsAsync(c, "five arguments", null, ["alice", "read", "extra"], t)),
    ];

    private static readonly byte[] EmptyResponse = MailboxBytes.Response([], more: false);

    private static async Task<CaseResult> ReadRequestAsync(CaseContext ctx, CancellationToken ct)
    {
        if (ctx.RequireClient().ArgumentsFixed)
        {
            return CaseResult.Skip(SkipFixed);
        }
        var run = await RunAsync(ctx, ["alice", "read"], Send(EmptyResponse), ct).ConfigureAwait(false);
        return Misbehaved(run.Run, "reading an empty mailbox")
            ?? RequestMismatch(run, MailboxBytes.Read("alice"), "read request for 'alice'")
            ?? CaseResult.Pass();
    }

    private static Task<CaseResult> CreateRequestAsync(CaseContext ctx, CancellationToken ct) =>
        CreateAsync(ctx, "alice", "bob\nhello bob\n", MailboxBytes.Create("alice", "bob", "hello bob"), "create from 'alice' to 'bob'", ct);

    private static Task<CaseResult> CreateUtf8Async(CaseContext ctx, CancellationToken ct) =>
        CreateAsync(ctx, "zoë", "名前\nhéllo 🌍\n", MailboxBytes.Create("zoë", "名前", "héllo 🌍"), "create from 'zoë' to '名前'", ct);

    private static Task<CaseResult> CreateRepromptAsync(CaseContext ctx, CancellationToken ct) =>
        CreateAsync(ctx, "alice", "\nbob\n\nhello\n", MailboxBytes.Create("alice", "bob", "hello"), "create with an empty receiver and an empty message typed first", ct);

    private static async Task<CaseResult> CreateAsync(CaseContext ctx, string user, string typed, byte[] expected, string what, CancellationToken ct)
    {
        if (ctx.RequireClient().ArgumentsFixed)
        {
            return CaseResult.Skip(SkipFixed);
        }
        var run = await RunAsync(ctx, [user, "create"], CloseAtOnce, ct, stdin: typed).ConfigureAwait(false);
        return Misbehaved(run.Run, what)
            ?? RequestMismatch(run, expected, what)
            ?? CaseResult.Pass();
    }

    private static async Task<CaseResult> ReadMessagesAsync(CaseContext ctx, CancellationToken ct)
    {
        MailboxMessage[] messages = [new("carol-7q", "first message 4k2"), new("dave-9w", "second message, ünïcödé 5m1")];
        var run = await RunAsync(ctx, ReadArguments(ctx), Send(MailboxBytes.Response(messages, more: false)), ct).ConfigureAwait(false);
        if (Misbehaved(run.Run, "reading two messages") is { } bad)
        {
            return bad;
        }
        foreach (var m in messages)
        {
            if (!run.Run.Output.Contains(m.Sender, StringComparison.Ordinal) || !run.Run.Output.Contains(m.Text, StringComparison.Ordinal))
            {
                return CaseResult.Fail($"expected {MailboxServerProbe.Describe(m)} printed, got {run.Run.Describe()}");
            }
        }
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> ReadEmptyAsync(CaseContext ctx, CancellationToken ct)
    {
        var run = await RunAsync(ctx, ReadArguments(ctx), Send(EmptyResponse), ct).ConfigureAwait(false);
        if (Misbehaved(run.Run, "reading an empty mailbox") is { } bad)
        {
            return bad;
        }
        return run.Run.Output.Trim().Length == 0
            ? CaseResult.Fail($"an empty mailbox must be reported with a message, got {run.Run.Describe()}")
            : CaseResult.Pass();
    }

    private static async Task<CaseResult> MoreMsgsAsync(CaseContext ctx, CancellationToken ct)
    {
        MailboxMessage[] messages = [new("erin-3x", "one of many 8z")];
        var last = await RunAsync(ctx, ReadArguments(ctx), Send(MailboxBytes.Response(messages, more: false)), ct).ConfigureAwait(false);
        var more = await RunAsync(ctx, ReadArguments(ctx), Send(MailboxBytes.Response(messages, more: true)), ct).ConfigureAwait(false);
        if ((Misbehaved(last.Run, "reading with MoreMsgs 0") ?? Misbehaved(more.Run, "reading with MoreMsgs 1")) is { } bad)
        {
            return bad;
        }
        if (!more.Run.Output.Contains(messages[0].Text, StringComparison.Ordinal))
        {
            return CaseResult.Fail($"with MoreMsgs 1, expected {MailboxServerProbe.Describe(messages[0])} printed, got {more.Run.Describe()}");
        }
        return Normalise(more) == Normalise(last)
            ? CaseResult.Fail($"the output with MoreMsgs 1 is the same as with MoreMsgs 0 ({ClientRun.Quote(more.Run.Output.Trim())}): more messages waiting are not noted")
            : CaseResult.Pass();
    }

    private static async Task<CaseResult> LargeResponseAsync(CaseContext ctx, CancellationToken ct)
    {
        MailboxMessage[] messages = [new("frank-2p", Text('A', 6000)), new("grace-6t", Text('B', 6000))];
        var bytes = MailboxBytes.Response(messages, more: false);
        Answer inPieces = async (c, _, stop) => await c.SendSlowlyAsync(bytes, 1000, TimeSpan.FromMilliseconds(20), stop).ConfigureAwait(false);
        var run = await RunAsync(ctx, ReadArguments(ctx), inPieces, ct).ConfigureAwait(false);
        if (Misbehaved(run.Run, "reading two 6,000-byte messages") is { } bad)
        {
            return bad;
        }
        foreach (var m in messages)
        {
            if (!run.Run.Output.Contains(m.Text, StringComparison.Ordinal))
            {
                var seen = run.Run.Output.Split(m.Text[..12], StringSplitOptions.None).Length - 1;
                return CaseResult.Fail($"expected the 6,000-byte message from '{m.Sender}' printed whole (one recv gets at most what has arrived), got {(seen == 0 ? "none of it" : "only part of it")}; {run.Run.Describe()}");
            }
        }
        return CaseResult.Pass();
    }

    private static async Task<CaseResult> MalformedAsync(CaseContext ctx, string fault, Func<string, byte[]> response, CancellationToken ct)
    {
        var marker = Marker(ctx);
        var bytes = response(marker);
        var run = await RunAsync(ctx, ReadArguments(ctx), Send(bytes), ct).ConfigureAwait(false);
        var situation = $"a response with {fault} ({Switchboard.Protocol.Hex.Preview(bytes, 8)})";
        if (run.Run.Output.Contains(marker, StringComparison.Ordinal) && Misbehaved(run.Run, situation) is null)
        {
            return CaseResult.Fail($"{situation} was accepted: the client printed its message {ClientRun.Quote(marker)}");
        }
        return ReportedError(run.Run, situation);
    }

    private static async Task<CaseResult> InvalidUtf8Async(CaseContext ctx, CancellationToken ct)
    {
        byte[] text = [0x4D, 0x41, 0x52, 0xFF, 0xFE, 0x4B];
        var bytes = MailboxBytes.Response(MailboxWire.Magic, 3, 1, 0, MailboxBytes.Item(7, text.Length, "checker"u8, text));
        var run = await RunAsync(ctx, ReadArguments(ctx), Send(bytes), ct).ConfigureAwait(false);
        var situation = "a message whose text is not valid UTF-8 (4d4152fffe4b)";
        return Misbehaved(run.Run, situation)
            ?? (run.Run.Output.Trim().Length == 0 ? CaseResult.Fail($"{situation}: the client printed nothing (exit {run.Run.ExitCode})") : CaseResult.Pass());
    }

    private static async Task<CaseResult> TruncatedAsync(CaseContext ctx, CancellationToken ct)
    {
        var marker = Marker(ctx) + "-and-the-rest-never-comes";
        var whole = MailboxBytes.Response([new MailboxMessage("henry-1k", marker)], more: false);
        var cut = whole[..^20];
        var run = await RunAsync(ctx, ReadArguments(ctx), Send(cut), ct).ConfigureAwait(false);
        var situation = $"a response cut 20 bytes short, then a close";
        if (Misbehaved(run.Run, situation) is { } bad)
        {
            return bad;
        }
        var printed = marker[..(marker.Length - 20)];
        if (run.Run.Output.Contains(printed, StringComparison.Ordinal))
        {
            return CaseResult.Fail($"{situation}: the client printed the partial message {ClientRun.Quote(printed)} as if it were whole");
        }
        return ReportedError(run.Run, situation);
    }

    private static async Task<CaseResult> GapAsync(CaseContext ctx, CancellationToken ct)
    {
        var marker = Marker(ctx) + "-stalled-here";
        var whole = MailboxBytes.Response([new MailboxMessage("ivan-4j", marker)], more: false);
        var part = whole[..^10];
        // Sends most of the response, then stalls for longer than the case lasts: the client must give up by itself.
        Answer stall = async (c, _, stop) =>
        {
            await c.SendAsync(part, stop).ConfigureAwait(false);
            await Task.Delay(Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false);
        };
        var run = await RunAsync(ctx, ReadArguments(ctx), stall, ct).ConfigureAwait(false);
        var situation = "a response that stops 10 bytes short and stalls";
        if (run.Run.TimedOut)
        {
            return CaseResult.Fail($"{situation}: still running after {Core.ReadResult.Seconds(run.Run.Elapsed)} (killed); a client must give up after a 1 s gap");
        }
        return ReportedError(run.Run, situation);
    }

    private static async Task<CaseResult> RefusedAsync(CaseContext ctx, CancellationToken ct)
    {
        var run = await RunWithoutServerAsync(ctx, "127.0.0.1", ClosedPort().ToString(CultureInfo.InvariantCulture), ReadArguments(ctx), ct).ConfigureAwait(false);
        return ReportedError(run.Run, "no server listening");
    }

    private static async Task<CaseResult> UnknownHostAsync(CaseContext ctx, CancellationToken ct)
    {
        var run = await RunWithoutServerAsync(ctx, "no-such-host.invalid", "5000", ReadArguments(ctx), ct).ConfigureAwait(false);
        return ReportedError(run.Run, "host 'no-such-host.invalid'");
    }

    private static async Task<CaseResult> BadArgumentsAsync(CaseContext ctx, string what, string? port, IReadOnlyList<string> rest, CancellationToken ct, int? listenOn = null)
    {
        if (ctx.RequireClient().ArgumentsFixed)
        {
            return CaseResult.Skip(SkipFixed);
        }
        ScriptedRun run;
        if (port is null)
        {
            run = await RunAsync(ctx, rest, Send(EmptyResponse), ct).ConfigureAwait(false);
        }
        else
        {
            run = await RunWithoutServerAsync(ctx, "127.0.0.1", port, rest, ct, listenOn).ConfigureAwait(false);
        }
        if (run.Connections > 0)
        {
            var sent = run.Requests[0].Length == 0 ? "sent nothing" : $"sent {Switchboard.Protocol.Hex.Preview(run.Requests[0], 12)}";
            return CaseResult.Fail($"{what}: the client connected anyway ({sent}); expected an error before connecting ({run.Run.Describe()})");
        }
        return ReportedError(run.Run, what);
    }

    /// <summary>USER read for the run; a command with fixed arguments brings its own (assumed to be a read).</summary>
    private static IReadOnlyList<string> ReadArguments(CaseContext ctx) => ctx.RequireClient().ArgumentsFixed ? [] : ["alice", "read"];

    private static byte[] Header(ushort magic, byte id, byte numItems, byte more, string marker)
    {
        return MailboxBytes.Response(magic, id, numItems, more, MailboxBytes.Item("checker", marker));
    }

    private static string Marker(CaseContext ctx) => $"MARKER-{ctx.RunTag}-{ctx.CaseId[Prefix.Length..]}";

    private static string Text(char c, int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; text.Length < length; i++)
        {
            text.Append(c).Append(i.ToString("D4", CultureInfo.InvariantCulture)).Append(' ');
        }
        return text.ToString(0, length);
    }

    /// <summary>The output with the run's own port taken out, so "connected to port N" does not count as a difference.</summary>
    private static string Normalise(ScriptedRun run) =>
        run.Run.Output.Replace("\r", "", StringComparison.Ordinal).Replace(run.Port.ToString(CultureInfo.InvariantCulture), "PORT", StringComparison.Ordinal).Trim();
}
